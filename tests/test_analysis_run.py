"""From a fitted Result to the analysis tables: groups, weights, the pipeline, Result.analysis.

The pipeline is checked on the bundled 31-province example (examples/provinces): its
tables against direct calls of the kernels and against hand computations with NumPy
(Moran's I from its definition, Moran 1950, with the row-standardised contiguity built
here from the bundled pair list).
"""

from __future__ import annotations

import importlib.util
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import cosyn
from cosyn.analysis import AnalysisResult, analyse
from cosyn.analysis.inequality import beta_convergence, dagum_gini, theil
from cosyn.analysis.run import resolve_groups, resolve_path, series_tables
from cosyn.errors import DataError, SpecError
from cosyn.io.read import read_table
from cosyn.panel import build_panel
from cosyn.spec import Spec

needs_space = pytest.mark.skipif(
    importlib.util.find_spec("esda") is None
    or importlib.util.find_spec("cosyn.analysis.space") is None,
    reason="needs cosyn[spatial] and the module cosyn.analysis.space",
)
EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "provinces"
ENTITY = "省份"


def _spec(analysis: dict[str, Any] | None, coupling: bool = True) -> Spec:
    data = Spec.from_toml(EXAMPLE / "model.toml").to_dict()
    data["diagnostics"] = {"coupling": "classic"} if coupling else {}
    if analysis is not None:
        data["analysis"] = analysis
    return Spec.from_dict(data)


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the example's "—" cell, read as missing
        return read_table(EXAMPLE / "panel.csv")


def _fit(frame: pd.DataFrame, spec: Spec) -> cosyn.Result:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the imputed cells' notes
        return cosyn.fit(frame, spec)


@pytest.fixture(scope="module")
def grouped(frame: pd.DataFrame) -> cosyn.Result:
    spec = _spec({"series": ["synergy", "order", "coupling"], "groups": "china_3"})
    return _fit(frame, spec)


# -- groups --------------------------------------------------------------------------------


def _with_region(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    names = list(pd.unique(out[ENTITY]))
    out["region"] = out[ENTITY].map({p: "AB"[i % 2] for i, p in enumerate(names)})
    return out


def test_groups_from_a_data_column(frame: pd.DataFrame) -> None:
    data = _with_region(frame)
    spec = _spec({"groups": "region"})
    panel = build_panel(data, spec)
    groups = resolve_groups(spec, panel)
    assert groups is not None
    assert list(groups.index) == list(panel.entities)
    assert groups["北京"] == "A" and groups["天津"] == "B"
    assert panel.attributes is not None and list(panel.attributes.columns) == ["region"]


def test_groups_column_in_long_layout(frame: pd.DataFrame) -> None:
    data = _with_region(frame)
    spec = _spec({"groups": "region"})
    long = data.melt(id_vars=[ENTITY, "年份", "region"], var_name="indicator", value_name="value")
    groups = resolve_groups(spec, build_panel(long, spec))
    assert groups is not None and groups["北京"] == "A" and groups.size == 31


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        (lambda d: d.assign(region=d["region"].where(d.index != 5, "Z")), "two values for entity"),
        (lambda d: d.assign(region=d["region"].where(d.index != 7, None)), "is empty in row"),
        (lambda d: d.drop(columns="region"), "column 'region' (spec key 'analysis.groups')"),
    ],
)
def test_groups_column_errors(frame: pd.DataFrame, change: Any, fragment: str) -> None:
    with pytest.raises(DataError) as info:
        build_panel(change(_with_region(frame)), _spec({"groups": "region"}))
    assert fragment in str(info.value)
    if "two values" in fragment:
        assert "'北京'" in str(info.value) and "'Z'" in str(info.value)


def _groups_csv(path: Path, rows: dict[str, str], headers: tuple[str, str]) -> None:
    pd.DataFrame({headers[0]: list(rows), headers[1]: list(rows.values())}).to_csv(
        path, index=False, encoding="utf-8"
    )


@pytest.mark.parametrize("headers", [("entity", "group"), ("地区", "分组")])
def test_groups_from_a_csv_next_to_the_model(
    frame: pd.DataFrame, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, headers: Any
) -> None:
    names = list(pd.unique(frame[ENTITY]))
    _groups_csv(tmp_path / "groups.csv", {p: f"g{i % 3}" for i, p in enumerate(names)}, headers)
    model = tmp_path / "model.toml"
    model.write_text("placeholder", encoding="utf-8")
    spec = Spec.from_dict(_spec({"groups": "groups.csv"}).to_dict(), source=str(model))
    monkeypatch.chdir(Path(__file__).parent)  # resolved against the model's folder, not cwd
    assert resolve_path("groups.csv", spec) == tmp_path / "groups.csv"
    groups = resolve_groups(spec, build_panel(frame, spec))
    assert groups is not None and groups["北京"] == "g0" and groups["河北"] == "g2"


def test_groups_csv_errors(frame: pd.DataFrame, tmp_path: Path) -> None:
    names = list(pd.unique(frame[ENTITY]))
    model = tmp_path / "model.toml"
    model.write_text("placeholder", encoding="utf-8")
    spec = Spec.from_dict(_spec({"groups": "groups.csv"}).to_dict(), source=str(model))
    panel = build_panel(frame, spec)
    with pytest.raises(DataError, match="does not exist"):
        resolve_groups(spec, panel)
    _groups_csv(tmp_path / "groups.csv", {p: "x" for p in names[2:]}, ("entity", "group"))
    with pytest.raises(DataError, match="no group for 2 entities of the data: '北京', '天津'"):
        resolve_groups(spec, panel)
    _groups_csv(tmp_path / "groups.csv", {p: "x" for p in names}, ("name_", "grp"))
    with pytest.raises(DataError, match="needs the columns 'entity' and 'group'"):
        resolve_groups(spec, panel)
    pd.DataFrame({"entity": [*names, "北京"], "group": ["a"] * 31 + ["b"]}).to_csv(
        tmp_path / "groups.csv", index=False
    )
    with pytest.raises(DataError, match="entity '北京' two groups"):
        resolve_groups(spec, panel)


def test_china_3_groups_match_the_nbs_sizes(grouped: cosyn.Result) -> None:
    groups = resolve_groups(grouped.spec, grouped.panel)
    assert groups is not None
    # National Bureau of Statistics: East 11, Central 8, West 12 (SPATIAL.md)
    assert groups.value_counts().to_dict() == {"East": 11, "Central": 8, "West": 12}
    assert groups["内蒙古"] == "West" and groups["广东"] == "East" and groups["河南"] == "Central"


def test_china_3_refuses_a_name_that_is_no_province(frame: pd.DataFrame) -> None:
    data = frame.assign(**{ENTITY: frame[ENTITY].replace("北京", "Gotham")})
    res = _fit(data, _spec({"groups": "china_3"}))
    with pytest.raises(DataError, match="Gotham"):
        analyse(res)


# -- the pipeline --------------------------------------------------------------------------


def test_result_analysis_is_none_without_the_table(frame: pd.DataFrame) -> None:
    res = _fit(frame, _spec(None))
    assert res.analysis is None


def test_tables_shapes_and_refusal_of_u(grouped: cosyn.Result) -> None:
    r = grouped.analysis
    assert isinstance(r, AnalysisResult)
    assert grouped.analysis is r  # computed once
    E, T, _ = grouped.mu.shape
    nonneg = [f"order:{s}" for s in grouped.subsystems] + ["order:mean", "coupling"]
    every = ["synergy", *nonneg]
    assert list(pd.unique(r.values["series"])) == every
    assert len(r.values) == E * (T - 1) + len(nonneg) * E * T  # U has no base period
    assert len(r.gini) == len(nonneg) * T and set(r.gini["series"]) == set(nonneg)
    assert len(r.gini_within) == len(nonneg) * T * 3
    assert len(r.gini_between) == len(nonneg) * T * 3  # 3 pairs of 3 groups
    assert len(r.theil) == len(nonneg) * T
    assert len(r.sigma) == len(nonneg) * T * (1 + 3)
    assert len(r.beta) == len(nonneg)
    assert len(r.group_stats) == (T - 1) * 3 + len(nonneg) * T * 3
    assert len(r.density) == (T - 1) + len(nonneg) * T
    assert r.moran.empty and r.lisa.empty and list(r.moran.columns)[:3] == ["series", "period", "I"]
    assert any("U can be negative" in n for n in r.notes)
    assert any("No spatial weights" in n for n in r.notes)
    assert r.groups.shape == (31, 2)


def _wide(res: cosyn.Result, name: str) -> pd.DataFrame:
    return series_tables(res, ("synergy", "order", "coupling"))[name]


def test_numbers_equal_direct_calls(grouped: cosyn.Result) -> None:
    r = grouped.analysis
    assert r is not None
    d = pd.DataFrame(grouped.coupling.pivot(index="entity", columns="period", values="D"))
    d = d.reindex(grouped.entities)
    assert np.allclose(_wide(grouped, "coupling").to_numpy(), d.to_numpy())
    groups = resolve_groups(grouped.spec, grouped.panel)
    direct = dagum_gini(d, groups)
    rows = r.gini[r.gini["series"] == "coupling"]
    assert np.allclose(rows["G"], direct.G.to_numpy())
    assert np.allclose(rows["Gw"] + rows["Gnb"] + rows["Gt"], rows["G"])  # Dagum's identity
    assert np.allclose(rows["share_w"] + rows["share_nb"] + rows["share_t"], 1.0)
    t = theil(d, groups)
    assert np.allclose(r.theil.loc[r.theil["series"] == "coupling", "Tb"], t.Tb.to_numpy())
    mean_mu = pd.DataFrame(grouped.mu.mean(axis=2), index=grouped.entities, columns=grouped.periods)
    b = beta_convergence(mean_mu)
    row = r.beta[r.beta["series"] == "order:mean"].iloc[0]
    assert row["beta"] == pytest.approx(b.beta) and row["n"] == 31
    if np.isnan(row["speed"]):  # 1 + β·T ≤ 0: said in a note, not a bare empty cell
        assert any(n.startswith("β-convergence of series 'order:mean': 1 + β·T") for n in r.notes)
    # group means and ranks, by hand with pandas
    last = grouped.periods[-1]
    by_hand = d[last].groupby(groups).agg(["mean", "std", "size"])
    stats = r.group_stats[
        (r.group_stats["series"] == "coupling") & (r.group_stats["period"] == last)
    ]
    stats = stats.set_index("group")
    assert np.allclose(stats.loc[by_hand.index, "mean"], by_hand["mean"])
    assert np.allclose(stats.loc[by_hand.index, "sd"], by_hand["std"])
    assert (stats.loc[by_hand.index, "n"] == by_hand["size"]).all()
    assert stats["rank"].to_dict() == by_hand["mean"].rank(ascending=False).astype(int).to_dict()
    # σ: whole-panel cv with divisor n
    sig = r.sigma[(r.sigma["series"] == "coupling") & r.sigma["group"].isna()]
    assert np.allclose(sig["cv"], d.std(ddof=0).to_numpy() / d.mean().to_numpy())
    # kernel density: the peaks and the curves of a direct call
    from cosyn.analysis.density import kernel_density

    kd = kernel_density(d)
    dens = r.density[r.density["series"] == "coupling"].set_index("period")
    assert np.allclose(dens["peak_location"], kd.peaks["peak_location"])
    assert (dens["n_peaks"].to_numpy() == kd.peaks["n_peaks"].to_numpy()).all()
    curve = r.density_curves[
        (r.density_curves["series"] == "coupling") & (r.density_curves["period"] == last)
    ]
    assert np.allclose(curve["x"], kd.density.index) and np.allclose(
        curve["density"], kd.density[last]
    )
    # the synergy values are the fit's, compared periods only
    u = r.values[r.values["series"] == "synergy"]
    assert np.allclose(np.sort(u["value"]), np.sort(grouped.synergy["synergy"]))
    assert grouped.periods[0] not in set(u["period"])


def _contiguity_matrix(entities: list[str], island_links: bool = True) -> np.ndarray:
    """Row-standardised contiguity, built here from the bundled pairs (no PySAL)."""
    pairs = cosyn.datasets.china_contiguity(island_links=island_links)
    pos = {e: i for i, e in enumerate(entities)}
    W = np.zeros((len(entities), len(entities)))
    for a, b in zip(pairs["entity_a"], pairs["entity_b"], strict=True):
        W[pos[a], pos[b]] = W[pos[b], pos[a]] = 1.0
    return W / W.sum(axis=1, keepdims=True)


def _moran_by_hand(y: np.ndarray, W: np.ndarray) -> tuple[float, float, float]:
    """Moran (1950) I and its normal-approximation z (Cliff & Ord 1981, eq. 1.38)."""
    n = y.size
    z = y - y.mean()
    S0 = W.sum()
    moran_i = n / S0 * (z @ W @ z) / (z @ z)
    S1 = 0.5 * ((W + W.T) ** 2).sum()
    S2 = ((W.sum(axis=0) + W.sum(axis=1)) ** 2).sum()
    EI = -1.0 / (n - 1)
    VI = (n * n * S1 - n * S2 + 3 * S0 * S0) / ((n * n - 1) * S0 * S0) - EI * EI
    return moran_i, EI, (moran_i - EI) / np.sqrt(VI)


@needs_space
def test_moran_with_china_provinces_against_the_definition(frame: pd.DataFrame) -> None:
    spec = _spec({"series": ["coupling"], "weights": "china_provinces", "permutations": 0})
    res = _fit(frame, spec)
    r = res.analysis
    assert r is not None
    d = _wide(res, "coupling")
    W = _contiguity_matrix(list(res.entities))
    assert len(r.moran) == len(res.periods) and r.moran["p_sim"].isna().all()
    for _, row in r.moran.iterrows():
        moran_i, EI, z = _moran_by_hand(d[row["period"]].to_numpy(), W)
        assert row["I"] == pytest.approx(moran_i, abs=1e-12)
        assert row["EI"] == pytest.approx(EI) and row["z"] == pytest.approx(z, rel=1e-9)
    assert r.lisa.empty and any("permutations = 0" in n for n in r.notes)
    assert any("Hainan" in n for n in r.notes)


@needs_space
def test_a_province_whose_neighbours_are_not_in_the_data(frame: pd.DataFrame) -> None:
    # Without Guangdong, Hainan (linked only to it) has no neighbour: the message speaks of
    # the spec's keys; island_links = false keeps it with a spatial lag of 0, said in a note.
    without = frame[frame[ENTITY] != "广东"]
    table = {"series": ["coupling"], "weights": "china_provinces", "permutations": 0}
    res = _fit(without, _spec(table))
    with pytest.raises(
        DataError, match=r"'海南' has no neighbour among the provinces.*island_links"
    ):
        _ = res.analysis
    kept = _fit(without, _spec({**table, "island_links": False})).analysis
    assert kept is not None and len(kept.moran) == len(res.periods)
    assert any("海南" in n for n in kept.notes)


@needs_space
def test_neighbours_csv_gives_the_same_moran(frame: pd.DataFrame, tmp_path: Path) -> None:
    pairs = cosyn.datasets.china_contiguity()
    pairs.to_csv(tmp_path / "pairs.csv", index=False)
    model = tmp_path / "model.toml"
    model.write_text("placeholder", encoding="utf-8")
    both = []
    for weights in ("pairs.csv", "china_provinces"):
        table = {"series": ["coupling"], "weights": weights, "permutations": 0}
        spec = Spec.from_dict(_spec(table).to_dict(), source=str(model))
        r = _fit(frame, spec).analysis
        assert r is not None
        both.append(r.moran["I"].to_numpy())
    assert np.allclose(both[0], both[1])


@needs_space
def test_missing_weights_file_names_it(frame: pd.DataFrame) -> None:
    res = _fit(frame, _spec({"weights": "no_such_pairs.csv", "permutations": 0}))
    with pytest.raises(DataError, match=r"no_such_pairs\.csv"):
        analyse(res)


def test_missing_pysal_is_one_spec_error(
    frame: pd.DataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    res = _fit(frame, _spec({"weights": "china_provinces"}))
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "esda" else real(name, *a)
    )
    with pytest.raises(SpecError, match=r"pip install 'cosyn\[spatial\]' \(missing: esda\)"):
        analyse(res)


def test_a_failing_method_becomes_a_note(monkeypatch: pytest.MonkeyPatch) -> None:
    # margin 0, bounds over the panel and every indicator at its minimum in the first
    # year: μ = 0 for every entity there, so the Gini ratio (0/0) and log growth are
    # undefined; B grows alike everywhere, so μ_b has 3 distinct values in all
    rows = []
    for e in ("p", "q", "r", "s"):
        for t, year in enumerate((2020, 2021, 2022)):
            rows.append({"e": e, "year": year, "A": 1 + t * (1 + ord(e) % 3), "B": 2 + t})
    spec = Spec.from_dict(
        {
            "entity": "e",
            "period": "year",
            "method": {"margin": 0.0, "bounds": "panel"},
            "subsystems": {"a": {"indicators": {"A": "+"}}, "b": {"indicators": {"B": "+"}}},
            "analysis": {"groups": "g.csv"},
        }
    )
    res = _fit(pd.DataFrame(rows), spec)
    assert np.allclose(res.mu[:, 0, :], 0.0)
    groups = pd.Series(["x", "x", "y", "y"], index=res.entities)
    wide = series_tables(res, ("order",))["order:a"]
    with pytest.raises(DataError):
        dagum_gini(wide, groups)
    import cosyn.analysis.run as run

    monkeypatch.setattr(run, "resolve_groups", lambda spec, panel: groups)
    r = analyse(res)
    assert r is not None
    # the degenerate period is left out, named; the other periods are computed
    left_out = "Dagum Gini of series 'order:a': period(s) 2020 left out: every value is 0"
    assert any(n.startswith(left_out) for n in r.notes), r.notes
    gini = r.gini[r.gini["series"] == "order:a"]
    assert list(gini["period"]) == [2021, 2022]
    direct = dagum_gini(wide[[2021, 2022]], groups)
    assert np.allclose(gini["G"], direct.G.to_numpy())
    assert list(r.theil.loc[r.theil["series"] == "order:a", "period"]) == [2021, 2022]
    # a period whose values are all equal has no spread for Silverman's rule
    assert any(
        n.startswith("Kernel density of series 'order:a': period(s) 2020 left out") for n in r.notes
    )
    assert list(r.density.loc[r.density["series"] == "order:a", "period"]) == [2021, 2022]
    # log growth from a 0: β is not computed at all, and a note says why
    assert any(n.startswith("β-convergence of series 'order:a' is not computed") for n in r.notes)
    assert r.beta.empty
    # fewer distinct values than quantile classes: said in a note, not silently
    assert any(
        n.startswith("Markov chain of series 'order:b'") and "5 quantile" in n for n in r.notes
    )
    assert len(r.group_stats) == 3 * 3 * 2  # 3 series × 3 periods × 2 groups: no refusal


needs_markov = pytest.mark.skipif(
    importlib.util.find_spec("giddy") is None
    or importlib.util.find_spec("cosyn.analysis.markov") is None,
    reason="needs cosyn[spatial] and the module cosyn.analysis.markov",
)


@needs_markov
def test_markov_counts_by_hand_on_the_coupling_levels(frame: pd.DataFrame) -> None:
    spec = _spec({"series": ["coupling"], "weights": "china_provinces", "permutations": 0})
    res = _fit(frame, spec)
    r = res.analysis
    assert r is not None
    scale = res.spec.diagnostics.coupling_levels
    k = len(scale.names)
    assert len(r.markov) == k * k and list(r.markov_classes["class"]) == list(scale.names)
    # transitions counted here: class of D by the level edges, intervals (lower, upper]
    d = _wide(res, "coupling").to_numpy()
    codes = np.searchsorted(np.asarray(scale.edges), d, side="left")
    counts = np.zeros((k, k), dtype=int)
    np.add.at(counts, (codes[:, :-1].ravel(), codes[:, 1:].ravel()), 1)
    assert (r.markov["count"].to_numpy().reshape(k, k) == counts).all()
    assert counts.sum() == 31 * (len(res.periods) - 1)
    rows = counts.sum(axis=1)
    P = r.markov["probability"].to_numpy().reshape(k, k)
    assert np.allclose(P[rows > 0], (counts / np.where(rows > 0, rows, 1)[:, None])[rows > 0])
    assert np.isnan(P[rows == 0]).all()  # a class never left: no estimate, not zeros
    first = np.bincount(codes[:, 0], minlength=k) / 31
    assert np.allclose(r.markov_classes["initial"], first)
    # spatial Markov: the conditional counts add up to the global ones, one test row
    sm = r.spatial_markov
    pooled = sm.groupby(["from", "to"], sort=False)["count"].sum()
    assert pooled.loc[list(zip(r.markov["from"], r.markov["to"], strict=True))].tolist() == list(
        r.markov["count"]
    )
    assert len(r.spatial_markov_tests) == 1 and r.spatial_markov_tests["dof"].iloc[0] > 0


@needs_markov
def test_order_degrees_use_quantile_classes(grouped: cosyn.Result) -> None:
    r = grouped.analysis
    assert r is not None
    mean = r.markov_classes[r.markov_classes["series"] == "order:mean"]
    assert len(mean) == 5  # k = 5 quantiles by default
    assert any("no level scale" in n for n in r.notes)
    counts = r.markov[r.markov["series"] == "order:mean"]["count"].sum()
    assert counts == 31 * (len(grouped.periods) - 1)


@pytest.mark.slow
@needs_space
def test_lisa_quadrants_follow_the_signs(frame: pd.DataFrame) -> None:
    # slow: the analysis imports giddy (5–14 s here, mapclassify compiles at import)
    spec = _spec({"series": ["coupling"], "weights": "china_provinces", "permutations": 99})
    r = _fit(frame, spec).analysis
    assert r is not None
    assert len(r.lisa) == 31 * 12
    high, lag_high = r.lisa["z"] > 0, r.lisa["lag"] > 0
    expected = np.select(
        [high & lag_high, ~high & lag_high, ~high & ~lag_high], ["HH", "LH", "LL"], "HL"
    )
    assert (r.lisa["quadrant"].to_numpy() == expected).all()
    sig = r.lisa["p_sim"] < 0.05
    assert (r.lisa.loc[sig, "cluster"] == r.lisa.loc[sig, "quadrant"]).all()
    assert (r.lisa.loc[~sig, "cluster"] == "not significant").all()


def _tile_matrix(entities: list[str], contiguity: str) -> np.ndarray:
    """Row-standardised contiguity of the bundled tile grid, by hand: unit squares touch
    at an edge (rook) when one of row/col differs by 1, at a corner too (queen)."""
    tiles = cosyn.datasets.china_tiles().set_index("province").loc[entities]
    r, c = tiles["row"].to_numpy(), tiles["col"].to_numpy()
    dr, dc = np.abs(r[:, None] - r), np.abs(c[:, None] - c)
    if contiguity == "rook":
        W = (dr + dc == 1).astype(float)
    else:
        W = ((dr <= 1) & (dc <= 1) & (dr + dc > 0)).astype(float)
    return W / W.sum(axis=1, keepdims=True)


@needs_space
@pytest.mark.skipif(importlib.util.find_spec("geopandas") is None, reason="needs geopandas")
@pytest.mark.parametrize("contiguity", ["queen", "rook"])
def test_geometry_file_weights(frame: pd.DataFrame, tmp_path: Path, contiguity: str) -> None:
    import json

    features = [
        {
            "type": "Feature",
            "properties": {"NAME": p},
            "geometry": {
                "type": "Polygon",
                "coordinates": [[[c, -r], [c + 1, -r], [c + 1, -r - 1], [c, -r - 1], [c, -r]]],
            },
        }
        for p, r, c in cosyn.datasets.china_tiles().itertuples(index=False)
    ]
    path = tmp_path / "tiles.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), "utf-8")
    weights = {"file": str(path), "name": "NAME", "contiguity": contiguity}
    res = _fit(frame, _spec({"series": ["coupling"], "weights": weights, "permutations": 0}))
    r = res.analysis
    assert r is not None
    W = _tile_matrix(list(res.entities), contiguity)
    d = _wide(res, "coupling")
    for _, row in r.moran.iterrows():
        assert row["I"] == pytest.approx(_moran_by_hand(d[row["period"]].to_numpy(), W)[0])


def _coordinates(frame: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    names = list(pd.unique(frame[ENTITY]))
    rng = np.random.default_rng(7)  # distinct points: no ties among the nearest
    xy = {p: rng.uniform(0, 100, 2) for p in names}
    data = frame.assign(
        lon=frame[ENTITY].map(lambda p: xy[p][0]), lat=frame[ENTITY].map(lambda p: xy[p][1])
    )
    return data, xy


@needs_space
@pytest.mark.parametrize("inverse", [False, True], ids=["k-nearest", "inverse-among-k"])
def test_coordinate_weights_k_nearest(frame: pd.DataFrame, inverse: bool) -> None:
    data, xy = _coordinates(frame)
    weights = {"x": "lon", "y": "lat", "k": 3} | ({"distance": "inverse"} if inverse else {})
    res = _fit(data, _spec({"series": ["coupling"], "weights": weights, "permutations": 0}))
    r = res.analysis
    assert r is not None
    pts = np.array([xy[e] for e in res.entities])
    dist = np.linalg.norm(pts[:, None] - pts[None], axis=-1)
    np.fill_diagonal(dist, np.inf)
    # each entity's 3 nearest, by hand, weighted 1 (or 1/d); row-standardised
    nearest = np.argsort(dist, axis=1)[:, :3]
    link = 1.0 / np.take_along_axis(dist, nearest, axis=1) if inverse else 1.0
    W = np.zeros_like(dist)
    np.put_along_axis(W, nearest, link, axis=1)
    W /= W.sum(axis=1, keepdims=True)
    d = _wide(res, "coupling")
    for _, row in r.moran.iterrows():
        moran_i, _, z = _moran_by_hand(d[row["period"]].to_numpy(), W)
        assert row["I"] == pytest.approx(moran_i) and row["z"] == pytest.approx(z)


@needs_space
def test_coordinate_columns_are_read_with_the_data(frame: pd.DataFrame) -> None:
    data, xy = _coordinates(frame)
    table = {"series": ["coupling"], "weights": {"x": "lon", "y": "lat", "distance": "inverse"}}
    spec = _spec({**table, "permutations": 0})
    panel = build_panel(data, spec)
    assert panel.attributes is not None and list(panel.attributes.columns) == ["lon", "lat"]
    assert np.allclose(panel.attributes.loc["北京"].to_numpy(dtype=float), xy["北京"])
    res = _fit(data, spec)
    assert res.analysis is not None and len(res.analysis.moran) == len(res.periods)
    # a coordinate that changes within an entity is refused when the data are read
    moved = data.assign(lon=data["lon"].where(data.index != 3, -1.0))
    with pytest.raises(DataError, match=r"column 'lon' .* two values for entity '北京'"):
        build_panel(moved, spec)


@needs_space
def test_analysis_problems_lists_every_input_problem(frame: pd.DataFrame, tmp_path: Path) -> None:
    from cosyn.analysis.run import analysis_problems

    model = tmp_path / "model.toml"
    model.write_text("placeholder", encoding="utf-8")
    table = {"groups": "groups.csv", "weights": "pairs.csv"}
    spec = Spec.from_dict(_spec(table).to_dict(), source=str(model))
    panel = build_panel(frame, spec)
    found = analysis_problems(spec, panel)
    assert len(found) == 2
    assert "groups file" in found[0] and "neighbours file" in found[1]
    assert str(tmp_path / "groups.csv") in found[0]
    assert analysis_problems(_spec({"groups": "china_3"}), panel) == []
    assert analysis_problems(_spec(None), panel) == []


@settings(max_examples=40, deadline=None)
@given(
    st.integers(2, 12).flatmap(
        lambda n: st.tuples(
            st.lists(st.integers(0, 3), min_size=n, max_size=n),
            st.lists(st.lists(st.floats(0, 1e3), min_size=3, max_size=3), min_size=n, max_size=n),
        )
    )
)
def test_group_stats_add_up_to_the_panel(case: tuple[list[int], list[list[float]]]) -> None:
    from cosyn.analysis.run import _group_stats

    codes, values = case
    entities = pd.Index([f"e{i}" for i in range(len(codes))])
    wide = pd.DataFrame(values, index=entities, columns=[2020, 2021, 2022])
    groups = pd.Series([f"g{c}" for c in codes], index=entities)
    t = _group_stats("s", wide, groups)
    assert len(t) == 3 * groups.nunique()
    for period, rows in t.groupby("period"):
        assert rows["n"].sum() == len(entities)
        # the n-weighted group means are the panel mean
        total = (rows["n"] * rows["mean"]).sum() / len(entities)
        assert total == pytest.approx(wide[period].mean(), rel=1e-9, abs=1e-9)
        # ranks: 1 for the highest mean, ties share the lower rank
        assert rows["rank"].min() == 1
        top = rows.loc[rows["rank"] == 1, "mean"]
        assert (top == rows["mean"].max()).all()
        assert rows.loc[rows["n"] == 1, "sd"].isna().all()  # sd of one value: undefined


def test_importing_the_analysis_loads_no_pysal() -> None:
    import subprocess
    import sys

    code = (
        "import sys, cosyn, cosyn.analysis, cosyn.analysis.run; "
        "print(sorted(m for m in ('libpysal', 'esda', 'giddy', 'geopandas') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# -- what the comparisons across entities compare --------------------------------------------


def _comparability_fit(method: dict[str, Any], bounds: dict[str, float] | None = None) -> Any:
    """Four entities, three years, two indicators per subsystem that grow at different
    rates, so that entropy weights computed per entity differ between entities."""
    rows = []
    for k, e in enumerate(("p", "q", "r", "s")):
        for t, year in enumerate((2020, 2021, 2022)):
            rows.append(
                {
                    "e": e,
                    "year": year,
                    "A1": 1 + t * (1 + k),
                    "A2": 5 + t * t * (2 + k % 2),
                    "B1": 2 + t,
                    "B2": 3 + t * (3 - k % 3) + k,
                }
            )
    extra = bounds or {}
    spec = Spec.from_dict(
        {
            "entity": "e",
            "period": "year",
            "method": method,
            "subsystems": {
                "a": {
                    "indicators": [
                        {"column": "A1", "direction": "+", **extra},
                        {"column": "A2", "direction": "+", **extra},
                    ]
                },
                "b": {
                    "indicators": [
                        {"column": "B1", "direction": "+", **extra},
                        {"column": "B2", "direction": "+", **extra},
                    ]
                },
            },
            "analysis": {"series": ["order"]},
        }
    )
    return _fit(pd.DataFrame(rows), spec)


@pytest.mark.parametrize(
    ("method", "bounds", "expected"),
    [
        ({}, None, ("bounds", "weights")),  # the defaults: bounds and weights per entity
        ({"bounds": "panel"}, None, ("weights",)),
        ({"weights_scope": "panel"}, None, ("bounds",)),
        ({"bounds": "panel", "weights_scope": "panel"}, None, ()),
        ({"bounds": "panel", "weights": "equal"}, None, ()),  # equal weights: one set for all
        ({"weights": "equal"}, {"lower": 0.0, "upper": 100.0}, ()),  # explicit bounds
    ],
)
def test_comparability_notes(
    method: dict[str, Any], bounds: dict[str, float] | None, expected: tuple[str, ...]
) -> None:
    from cosyn.analysis.run import BOUNDS_NOTE, WEIGHTS_NOTE, comparability_notes

    res = _comparability_fit(method, bounds)
    texts = {"bounds": BOUNDS_NOTE, "weights": WEIGHTS_NOTE}
    assert comparability_notes(res) == tuple(texts[k] for k in expected)
    if "weights" in expected:  # the note is true of the fit: the entities' weights differ
        w = res.weight_values
        assert not np.allclose(w, w[0])


@needs_markov
def test_the_bounds_note_leads_the_analysis_notes() -> None:
    from cosyn.analysis.run import BOUNDS_NOTE

    res = _comparability_fit({"weights_scope": "panel"})
    r = analyse(res)
    assert r is not None and r.notes[0] == BOUNDS_NOTE
    assert 'bounds = "panel"' in r.notes[0] and "own range" in r.notes[0]
    r = analyse(_comparability_fit({"bounds": "panel", "weights_scope": "panel"}))
    assert r is not None and not any("own range" in n for n in r.notes)

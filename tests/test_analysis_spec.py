"""The ``[analysis]`` table of the spec: defaults, round trip, every problem named by key."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cosyn.errors import SpecError
from cosyn.spec import MAX_PERMUTATIONS, MAX_SEED, Analysis, Coordinates, Geometry, Spec

BASE: dict[str, Any] = {
    "entity": "province",
    "period": "year",
    "subsystems": {
        "a": {"indicators": {"A1": "+"}},
        "b": {"indicators": {"B1": "+"}},
    },
}
COUPLING = {"diagnostics": {"coupling": "classic"}}


def spec(analysis: Any, **extra: Any) -> Spec:
    return Spec.from_dict({**BASE, **extra, "analysis": analysis})


def test_no_analysis_table_is_none() -> None:
    assert Spec.from_dict(BASE).analysis is None
    assert "analysis" not in Spec.from_dict(BASE).to_dict()


def test_defaults() -> None:
    a = spec({}).analysis
    assert a == Analysis()
    assert a is not None
    assert a.series == ("order",)
    assert (a.groups, a.weights, a.island_links) == (None, None, True)
    assert (a.permutations, a.seed, a.classes, a.k, a.alpha, a.bandwidth) == (
        999,
        0,
        "levels",
        5,
        0.05,
        "silverman",
    )
    assert a.groups_kind is None and a.weights_kind is None and a.columns == ()


def test_default_series_adds_coupling_when_it_is_on() -> None:
    a = spec({}, **COUPLING).analysis
    assert a is not None and a.series == ("order", "coupling")


@pytest.mark.parametrize(
    ("table", "coupling"),
    [
        ({"series": ["synergy", "order", "coupling"], "groups": "china_3"}, True),
        ({"groups": "groups.csv", "weights": "china_provinces", "island_links": False}, False),
        ({"groups": "region", "weights": "neighbours.csv", "permutations": 0}, False),
        ({"weights": {"x": "lon", "y": "lat", "k": 6}, "seed": MAX_SEED}, False),
        ({"weights": {"x": "lon", "y": "lat", "distance": "inverse"}}, False),
        ({"weights": {"x": "lon", "y": "lat", "distance": "inverse", "k": 8}}, False),
        ({"weights": "shapes/regions.geojson", "classes": "quantiles", "k": 4}, False),
        ({"weights": {"file": "r.gpkg", "name": "NAME", "contiguity": "rook"}}, False),
        ({"alpha": 0.5, "bandwidth": 0.25, "permutations": MAX_PERMUTATIONS}, False),
        ({"bandwidth": "scott", "series": ["synergy"]}, False),
    ],
)
def test_round_trip(table: dict[str, Any], coupling: bool) -> None:
    s = spec(table, **(COUPLING if coupling else {}))
    again = Spec.from_dict(s.to_dict())
    assert again == s
    assert again.analysis == s.analysis


def test_kinds_and_columns() -> None:
    a = spec({"groups": "region", "weights": {"x": "lon", "y": "lat"}}).analysis
    assert a is not None
    assert a.groups_kind == "column" and a.weights_kind == "coordinates"
    assert a.weights == Coordinates("lon", "lat", 4)
    assert a.columns == ("region", "lon", "lat")
    b = spec({"groups": "china_4", "weights": "w/regions.SHP"}).analysis
    assert b is not None and b.groups_kind == "scheme" and b.weights_kind == "geometry"
    assert b.weights == Geometry("w/regions.SHP") and b.columns == ()
    c = spec({"groups": "map.CSV", "weights": "pairs.csv"}).analysis
    assert c is not None and (c.groups_kind, c.weights_kind) == ("file", "pairs")
    d = spec({"weights": "china_provinces"}).analysis
    assert d is not None and d.weights_kind == "china"


def test_paths_are_not_checked_at_parse_time() -> None:
    a = spec({"groups": "no/such/file.csv", "weights": "no/such/shapes.geojson"}).analysis
    assert a is not None and a.groups == "no/such/file.csv"


@pytest.mark.parametrize(
    ("table", "key", "fragment"),
    [
        ({"serie": ["order"]}, "analysis.serie", "did you mean 'series'"),
        ({"series": "order"}, "analysis.series", "must be a list"),
        ({"series": []}, "analysis.series", "must be a list"),
        ({"series": ["oder"]}, "analysis.series", "did you mean 'order'"),
        ({"series": ["order", "order"]}, "analysis.series", "twice"),
        ({"series": ["coupling"]}, "analysis.series", "diagnostics.coupling"),
        ({"groups": "china3"}, "analysis.groups", "did you mean 'china_3'"),
        ({"groups": 3}, "analysis.groups", "a data column name"),
        ({"groups": "year"}, "analysis.groups", "period column"),
        ({"groups": "province"}, "analysis.groups", "entity column"),
        ({"weights": "china_province"}, "analysis.weights", "did you mean 'china_provinces'"),
        ({"weights": "pairs.xlsx"}, "analysis.weights", "a CSV of neighbour pairs"),
        ({"weights": 4}, "analysis.weights", "a geometry file"),
        ({"weights": {"x": "lon"}}, "analysis.weights", "missing y"),
        ({"weights": {"x": "lon", "y": "lat", "kk": 4}}, "analysis.weights.kk", "'k'"),
        ({"weights": {"x": "lon", "y": "lat", "k": 0}}, "analysis.weights.k", "[1, 100]"),
        (
            {"weights": {"x": "lon", "y": "lat", "k": 101, "distance": "inverse"}},
            "analysis.weights.k",
            "[1, 100]",
        ),
        (
            {"weights": {"x": "lon", "y": "lat", "distance": "inverted"}},
            "analysis.weights.distance",
            "did you mean 'inverse'",
        ),
        ({"weights": {"x": "year", "y": "lat"}}, "analysis.weights.x", "period column"),
        ({"weights": {"file": "r.txt"}}, "analysis.weights.file", "geometry file"),
        (
            {"weights": {"file": "r.shp", "contiguity": "bishop"}},
            "analysis.weights.contiguity",
            "'queen', 'rook'",
        ),
        ({"island_links": False}, "analysis.island_links", "china_provinces"),
        (
            {"weights": "china_provinces", "island_links": "yes"},
            "analysis.island_links",
            "true or false",
        ),
        ({"permutations": -1}, "analysis.permutations", "[0, 99999]"),
        ({"permutations": 100_000}, "analysis.permutations", "[0, 99999]"),
        ({"permutations": 9.5}, "analysis.permutations", "whole number"),
        ({"seed": 2**32}, "analysis.seed", "whole number"),
        ({"classes": "quantile"}, "analysis.classes", "did you mean 'quantiles'"),
        ({"k": 4}, "analysis.k", "classes = 'quantiles'"),
        ({"classes": "quantiles", "k": 1}, "analysis.k", "[2, 10]"),
        ({"classes": "quantiles", "k": 11}, "analysis.k", "[2, 10]"),
        ({"alpha": 0}, "analysis.alpha", "(0, 0.5]"),
        ({"alpha": 0.6}, "analysis.alpha", "(0, 0.5]"),
        ({"alpha": float("nan")}, "analysis.alpha", "finite"),
        ({"bandwidth": "silvermann"}, "analysis.bandwidth", "did you mean 'silverman'"),
        ({"bandwidth": 0}, "analysis.bandwidth", "positive number"),
        ({"bandwidth": float("inf")}, "analysis.bandwidth", "positive number"),
    ],
)
def test_problems_name_their_key(table: dict[str, Any], key: str, fragment: str) -> None:
    with pytest.raises(SpecError) as info:
        spec(table)
    lines = [line for line in str(info.value).splitlines() if f"'{key}'" in line]
    assert lines, str(info.value)
    assert any(fragment in line for line in lines), str(info.value)


def test_not_a_table() -> None:
    with pytest.raises(SpecError, match="'analysis': must be a table"):
        spec(["order"])


def test_analysis_needs_an_entity_column() -> None:
    data = {k: v for k, v in BASE.items() if k != "entity"}
    with pytest.raises(SpecError, match="'analysis': compares entities"):
        Spec.from_dict({**data, "analysis": {}})


def test_every_problem_is_listed_together() -> None:
    with pytest.raises(SpecError) as info:
        spec({"alpha": 2, "seed": -1, "classes": "x"})
    assert str(info.value).startswith("3 problems")


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"series": ("U",)}, "analysis.series"),
        ({"permutations": -5}, "analysis.permutations"),
        ({"alpha": 1.0}, "analysis.alpha"),
        ({"bandwidth": "wide"}, "analysis.bandwidth"),
        ({"classes": "jenks"}, "analysis.classes"),
        ({"weights": "somewhere"}, "analysis.weights"),
        ({"groups": ""}, "analysis.groups"),
        ({"island_links": 1}, "analysis.island_links"),
    ],
)
def test_the_dataclass_checks_itself(kwargs: dict[str, Any], fragment: str) -> None:
    with pytest.raises(SpecError, match=re.escape(fragment)):
        Analysis(**kwargs)


def test_direct_spec_checks_coupling_and_entity() -> None:
    s = Spec.from_dict(BASE)
    with pytest.raises(SpecError, match=r"diagnostics\.coupling"):
        Spec(s.subsystems, "year", "province", analysis=Analysis(series=("coupling",)))
    with pytest.raises(SpecError, match="names no entity column"):
        Spec(s.subsystems, "year", None, analysis=Analysis())


def test_a_geometry_text_becomes_a_geometry() -> None:
    assert Analysis(weights="x.gpkg").weights == Geometry("x.gpkg")


def test_toml(tmp_path: Any) -> None:
    path = tmp_path / "model.toml"
    path.write_text(
        'entity = "province"\nperiod = "year"\n'
        '[subsystems.a]\nindicators = { A1 = "+" }\n'
        '[subsystems.b]\nindicators = { B1 = "+" }\n'
        "[analysis]\n"
        'series = ["synergy", "order"]\ngroups = "china_3"\nweights = "china_provinces"\n'
        "permutations = 99\nseed = 7\n"
        "weights_note = 1\n",
        encoding="utf-8",
    )
    with pytest.raises(SpecError, match=r"analysis\.weights_note"):
        Spec.from_toml(path)
    path.write_text(path.read_text(encoding="utf-8").replace("weights_note = 1\n", ""), "utf-8")
    a = Spec.from_toml(path).analysis
    assert a is not None
    assert (a.series, a.groups, a.weights, a.permutations, a.seed) == (
        ("synergy", "order"),
        "china_3",
        "china_provinces",
        99,
        7,
    )


def test_the_documented_analysis_table_is_valid() -> None:
    """docs/spec.md's [analysis] block, with its main example and diagnostics."""
    doc = (Path(__file__).resolve().parents[1] / "docs" / "spec.md").read_text(encoding="utf-8")
    toml = [b.split("```")[0] for b in doc.split("```toml\n")[1:]]
    main = next(b for b in toml if b.startswith("title"))
    diagnostics = next(b for b in toml if b.startswith("[diagnostics]"))
    analysis = next(b for b in toml if b.startswith("[analysis]"))
    data = tomllib.loads(main + diagnostics + analysis)
    data.setdefault("entity", "province")
    a = Spec.from_dict(data).analysis
    assert a is not None
    assert a.series == ("synergy", "order", "coupling") and a.weights_kind == "china"
    assert a == Analysis(series=a.series, groups="china_3", weights="china_provinces")


_weights = st.one_of(
    st.none(),
    st.sampled_from(["china_provinces", "pairs.csv", "maps/r.geojson", "r.gpkg"]),
    st.builds(lambda k: {"x": "lon", "y": "lat", "k": k}, st.integers(1, 100)),
    st.just({"x": "lon", "y": "lat", "distance": "inverse"}),
    st.builds(lambda k: {"x": "lon", "y": "lat", "k": k, "distance": "inverse"}, st.integers(1, 9)),
    st.builds(
        lambda c, n: {"file": "r.shp", "contiguity": c, **({"name": n} if n else {})},
        st.sampled_from(["queen", "rook"]),
        st.sampled_from([None, "NAME_1"]),
    ),
)


@st.composite
def _tables(draw: st.DrawFn) -> dict[str, Any]:
    table: dict[str, Any] = {
        "series": draw(
            st.lists(
                st.sampled_from(["synergy", "order", "coupling"]),
                min_size=1,
                max_size=3,
                unique=True,
            )
        ),
        "permutations": draw(st.integers(0, MAX_PERMUTATIONS)),
        "seed": draw(st.integers(0, MAX_SEED)),
        "alpha": draw(st.floats(1e-6, 0.5)),
        "bandwidth": draw(st.one_of(st.sampled_from(["silverman", "scott"]), st.floats(1e-9, 1e9))),
    }
    groups = draw(st.sampled_from([None, "china_3", "china_4", "g.csv", "region"]))
    if groups:
        table["groups"] = groups
    weights = draw(_weights)
    if weights is not None:
        table["weights"] = weights
        if weights == "china_provinces":
            table["island_links"] = draw(st.booleans())
    if draw(st.booleans()):
        table["classes"] = "quantiles"
        table["k"] = draw(st.integers(2, 10))
    return table


@settings(max_examples=60, deadline=None)
@given(_tables())
def test_any_valid_table_round_trips(table: dict[str, Any]) -> None:
    s = spec(table, **COUPLING)
    assert Spec.from_dict(s.to_dict()) == s
    a = s.analysis
    assert a is not None and a.series == tuple(table["series"])
    assert (a.permutations, a.seed) == (table["permutations"], table["seed"])

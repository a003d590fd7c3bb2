"""The spec parser under random input: only a CosynError or a valid Spec comes out.

Random bytes and random TOML text go to :meth:`Spec.from_toml`; random nested mappings
(integers of any size, floats with NaN and infinities, texts, lists, tables) and
spec-shaped mappings with a random value under each key go to :meth:`Spec.from_dict`.
Whatever is accepted must be a spec whose every number is finite and within its
documented limit, and which round-trips through :meth:`Spec.to_dict`.
"""

from __future__ import annotations

import copy
import math
import os
import tempfile
import warnings
from dataclasses import fields, is_dataclass
from typing import Any

import numpy as np
import pytest
import tomli_w
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cosyn import CosynError, Spec
from cosyn.spec import (
    MAX_DRAWS,
    MAX_FORECAST,
    MAX_MARGIN,
    MAX_OBSTACLES,
    MAX_SEED,
    MIN_CONCENTRATION,
)

FUZZ = settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

#: Every key of a spec, each with a valid value: the skeleton the random values spoil.
VALID: dict[str, Any] = {
    "title": "T",
    "entity": "e",
    "period": "t",
    "method": {
        "margin": 0.1,
        "bounds": "panel",
        "weights": "combined",
        "weights_scope": "entity",
        "entropy_input": "order",
        "critic_input": "minmax",
        "aggregation": "weighted_sum",
        "base": "first",
        "impute": "linear",
        "on_constant": "drop",
        "objective": "critic",
        "combine": "additive",
        "combine_lambda": 0.3,
        "allow_inconsistent_ahp": True,
    },
    "subsystems": {
        "A": {
            "label": "A",
            "indicators": {"a1": "+", "a2": {"direction": "-", "lower": 0, "upper": 10}},
            "weights": {"a1": 1, "a2": 3},
        },
        "B": {
            "indicators": [{"column": "b1", "direction": "max", "label": "B1", "unit": "u"}],
            "ahp": [[1]],
        },
    },
    "levels": {"edges": [0, 0.5], "names": ["n", "l", "h"]},
    "stages": {"edges": [0, 0.5], "names": ["n", "i", "m"], "focus": ["x", "y", "z"]},
    "diagnostics": {
        "gra": True,
        "gra_threshold": 0.6,
        "gra_rho": 0.5,
        "gra_normalize": "mean",
        "coupling": "wang",
        "coupling_weights": {"A": 1, "B": 2},
        "coupling_input": "rescale",
        "lag_edges": [0.8, 1.2],
        "coupling_levels": {"edges": [0.5], "names": ["low", "high"]},
        "coupling_stages": {"edges": [0.5], "names": ["low", "high"]},
        "obstacles": 3,
        "obstacle_weights": {"A": 1, "B": 1},
        "forecast": 2,
        "robustness": {"draws": 10, "concentration": 5, "margin": [0, 0.2], "seed": 1},
    },
}

numbers = st.one_of(
    st.integers(),
    st.integers(min_value=-(10**500), max_value=10**500),
    st.sampled_from([0, 1, -1, 2**32, 2**63, 2**64, 10**400, -(10**400)]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([math.inf, -math.inf, math.nan, 1e300, -1e300, 1e-300, 5e-324, -0.0]),
)
words = st.one_of(
    st.text(max_size=20),
    st.sampled_from(["+", "-", "max", "first", "entropy", "given", "1/3", "1/0", "nan", "inf"]),
)
leaves = st.one_of(numbers, words, st.booleans(), st.none())
values = st.recursive(
    leaves,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.one_of(words, st.sampled_from(list(VALID))), inner, max_size=4),
    ),
    max_leaves=10,
)


def paths(tree: Any, prefix: tuple = ()) -> list[tuple]:
    """Every key path of a nested mapping (lists are leaves)."""
    out = []
    if isinstance(tree, dict):
        for key, value in tree.items():
            out.append((*prefix, key))
            out += paths(value, (*prefix, key))
    return out


PATHS = paths(VALID)


@st.composite
def spoilt_specs(draw: st.DrawFn) -> dict[str, Any]:
    """The valid spec with random values under 1–4 of its keys (or keys deleted)."""
    spec = copy.deepcopy(VALID)
    for path in draw(st.lists(st.sampled_from(PATHS), min_size=1, max_size=4)):
        parent = spec
        for key in path[:-1]:
            parent = parent.get(key) if isinstance(parent, dict) else None
        if not isinstance(parent, dict):
            continue
        if draw(st.integers(0, 9)) == 0:
            parent.pop(path[-1], None)
        else:
            parent[path[-1]] = draw(values)
    return spec


def assert_valid(spec: Spec) -> None:
    """Every number of an accepted spec is finite, and the limits hold."""

    def walk(value: Any, where: str) -> None:
        if isinstance(value, float):
            assert math.isfinite(value), where
        elif is_dataclass(value):
            for f in fields(value):
                walk(getattr(value, f.name), f"{where}.{f.name}")
        elif isinstance(value, tuple):
            for n, v in enumerate(value):
                walk(v, f"{where}[{n}]")

    walk(spec, "spec")
    assert 0 <= spec.method.margin <= MAX_MARGIN
    d = spec.diagnostics
    assert 0 <= d.forecast <= MAX_FORECAST and 0 <= d.obstacles <= MAX_OBSTACLES
    if d.robustness is not None:
        r = d.robustness
        assert 1 <= r.draws <= MAX_DRAWS and 0 <= r.seed <= MAX_SEED
        assert r.concentration >= MIN_CONCENTRATION
    for s in spec.subsystems:
        if s.weights is not None:
            assert abs(math.fsum(s.weights) - 1) <= 1e-12, s.weights
    for scale in (spec.levels, spec.stages, d.coupling_levels, d.coupling_stages):
        assert all(b > a for a, b in zip(scale.edges, scale.edges[1:], strict=False))
        assert len(scale.names) == len(scale.edges) + 1
    assert Spec.from_dict(spec.to_dict(), source=spec.source) == spec


def parse(data: Any) -> None:
    """``Spec.from_dict(data)``: a valid spec or a CosynError, nothing else."""
    try:
        spec = Spec.from_dict(data)
    except CosynError as exc:
        assert str(exc).strip()
        return
    assert_valid(spec)


def parse_toml(content: bytes) -> None:
    fd, name = tempfile.mkstemp(suffix=".toml")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(content)
        try:
            spec = Spec.from_toml(name)
        except CosynError as exc:
            assert name in str(exc) or "model spec" in str(exc)
            return
        assert_valid(spec)
    finally:
        os.unlink(name)


@FUZZ
@given(st.binary(max_size=400))
def test_random_bytes_as_a_model_file(content: bytes) -> None:
    parse_toml(content)


toml_text = st.text(
    alphabet=st.sampled_from(list("[]{}=,.\"'#\n +-_0123456789.eEinfatrsubmd\\\t")),
    max_size=200,
)


@FUZZ
@given(toml_text)
def test_random_toml_like_text(text: str) -> None:
    parse_toml(text.encode("utf-8"))


@st.composite
def spoilt_toml(draw: st.DrawFn) -> bytes:
    """A spoilt spec written as TOML, then cut, or with a piece of text inserted."""
    spec = draw(spoilt_specs())
    try:
        text = tomli_w.dumps(spec)
    except (TypeError, ValueError):  # None, NaN keys… cannot be written: use the valid one
        text = tomli_w.dumps(VALID)
    n = draw(st.integers(0, len(text)))
    cut = draw(st.sampled_from(["keep", "truncate", "insert"]))
    if cut == "truncate":
        text = text[:n]
    elif cut == "insert":
        text = text[:n] + draw(toml_text) + text[n:]
    return text.encode("utf-8")


@FUZZ
@given(spoilt_toml())
def test_spoilt_toml_model_files(content: bytes) -> None:
    parse_toml(content)


@FUZZ
@given(st.dictionaries(st.one_of(words, st.sampled_from(list(VALID))), values, max_size=6))
def test_random_nested_mappings(data: dict[str, Any]) -> None:
    parse(data)


@FUZZ
@given(values)
def test_random_values_as_the_whole_spec(data: Any) -> None:
    parse(data)


@FUZZ
@given(spoilt_specs())
def test_spec_shaped_mappings_with_random_values(data: dict[str, Any]) -> None:
    parse(data)


def test_the_skeleton_is_valid() -> None:
    """The mapping the fuzzers spoil is itself a valid spec (so spoiling is what fails)."""
    assert_valid(Spec.from_dict(VALID))


# -- every value the spec accepts runs through the fit ------------------------------------

PANEL = {
    "e": ["x"] * 4 + ["y"] * 4,
    "t": [1, 2, 3, 4] * 2,
    "a1": [1, 2, 3, 5, 2, 2, 4, 6],
    "a2": [5, 4, 4, 2, 6, 5, 5, 4],
    "b1": [2, 3, 5, 6, 1, 4, 6, 7],
    "b2": [9, 8, 6, 5, 7, 7, 5, 4],
}
choice = st.sampled_from
accepted_method = st.fixed_dictionaries(
    {},
    optional={
        "margin": st.floats(0, MAX_MARGIN),
        "bounds": choice(["entity", "panel"]),
        "weights": choice(["entropy", "critic", "cv", "equal"]),
        "weights_scope": choice(["entity", "panel"]),
        "entropy_input": choice(["order", "minmax", "shift", "rescale"]),
        "critic_input": choice(["order", "minmax"]),
        "aggregation": choice(["weighted_sum", "geometric", "weighted_geometric"]),
        "base": choice(["first", "adjacent", 1, 2, 3]),
        "impute": choice(["regression", "linear", "none"]),
        "on_constant": choice(["error", "drop"]),
    },
)
accepted_diagnostics = st.fixed_dictionaries(
    {},
    optional={
        "gra": st.booleans(),
        "gra_threshold": st.floats(0, 1),
        "gra_rho": st.floats(1e-300, 1),
        "gra_normalize": choice(["none", "initial", "mean", "minmax"]),
        "obstacles": st.integers(0, MAX_OBSTACLES),
        "forecast": st.integers(0, MAX_FORECAST),
        "robustness": st.fixed_dictionaries(
            {},
            optional={
                "draws": st.integers(1, 20),
                "concentration": st.floats(MIN_CONCENTRATION, 1e300),
                "margin": st.tuples(st.floats(0, MAX_MARGIN), st.floats(0, MAX_MARGIN)).map(sorted),
                "seed": st.integers(0, MAX_SEED),
            },
        ),
    },
)
coupling = st.one_of(
    st.just({}),
    st.fixed_dictionaries(
        {"coupling": choice(["classic", "wang", "fan"])},
        optional={
            "coupling_input": choice(["order", "rescale"]),
            "lag_edges": st.tuples(st.floats(1e-300, 1e300), st.floats(1e-300, 1e300)).map(sorted),
        },
    ),
)


@pytest.mark.slow
@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
@given(accepted_method, accepted_diagnostics, coupling)
def test_every_accepted_value_fits_to_finite_numbers_or_a_cosyn_error(method, diagnostics, cc):
    """Within the limits, a fit gives finite U with a level, or a CosynError — never NaN."""
    import pandas as pd

    import cosyn

    spec = {
        "entity": "e",
        "period": "t",
        "method": method,
        "diagnostics": {**diagnostics, **cc},
        "subsystems": {
            "A": {"indicators": {"a1": "+", "a2": "-"}},
            "B": {"indicators": {"b1": "+", "b2": "-"}},
        },
    }
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", cosyn.CosynWarning)
            res = cosyn.fit(pd.DataFrame(PANEL), spec)
            table = res.synergy
            res.summary()
    except CosynError:
        return
    assert np.isfinite(table.synergy).all() and table.level.notna().all()


@FUZZ
@given(
    st.lists(st.floats(0, 1e308), min_size=1, max_size=6).filter(lambda ws: any(ws)),
)
def test_given_weights_built_directly_equal_the_dict_built(weights: list[float]) -> None:
    """Either way in, given weights are the same normalised numbers, summing to 1."""
    from cosyn.spec import Indicator, Subsystem

    columns = [f"a{n}" for n in range(len(weights))]
    direct = Subsystem("A", "A", tuple(Indicator(c, "A") for c in columns), tuple(weights))
    parsed = Spec.from_dict(
        {
            "period": "t",
            "method": {"weights": "given"},
            "subsystems": {
                "A": {
                    "indicators": dict.fromkeys(columns, "+"),
                    "weights": dict(zip(columns, weights, strict=True)),
                },
                "B": {"indicators": {"b": "+"}, "weights": {"b": 1}},
            },
        }
    ).subsystems[0]
    assert direct.weights == parsed.weights
    assert direct.weights is not None and abs(math.fsum(direct.weights) - 1) <= 1e-12
    top = max(weights)
    expected = [w / top for w in weights]
    total = math.fsum(expected)
    assert direct.weights == pytest.approx([w / total for w in expected], rel=1e-12, abs=1e-300)

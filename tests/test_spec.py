"""The model specification: parsing, defaults, round trip, and every spec error."""

from __future__ import annotations

import math
import tomllib
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import cosyn
from cosyn import Spec, SpecError
from cosyn.spec import Diagnostics, Indicator, Method, Robustness, Scale, Subsystem

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "guangzhou"


def two(**extra: object) -> dict:
    spec = {
        "entity": "e",
        "period": "t",
        "subsystems": {
            "A": {"indicators": {"a1": "+", "a2": "-"}},
            "B": {"indicators": {"b1": "+"}},
        },
    }
    spec.update(extra)
    return spec


def problems(spec: dict) -> str:
    with pytest.raises(SpecError) as info:
        Spec.from_dict(spec)
    return str(info.value)


def test_defaults_are_method_md():
    m = Spec.from_dict(two()).method
    assert (m.margin, m.bounds, m.weights, m.weights_scope) == (0.1, "entity", "entropy", "entity")
    assert (m.entropy_input, m.aggregation, m.base) == ("order", "weighted_sum", "first")
    assert (m.impute, m.on_constant) == ("regression", "error")


def test_short_and_long_indicator_forms():
    spec = Spec.from_dict(
        {
            "period": "t",
            "subsystems": {
                "A": {"indicators": {"a1": "max", "a2": "cost"}},
                "B": {
                    "label": "Industry",
                    "indicators": [
                        {"column": "b1", "direction": "benefit", "label": "Output", "unit": "yuan"},
                        {"column": "b2", "direction": "min", "lower": 0, "upper": 10},
                    ],
                },
            },
        }
    )
    assert spec.columns == ("a1", "a2", "b1", "b2")
    assert [i.positive for i in spec.indicators] == [True, False, True, False]
    b1, b2 = spec.subsystems[1].indicators
    assert (b1.label, b1.unit, b2.lower, b2.upper) == ("Output", "yuan", 0.0, 10.0)
    assert spec.subsystems[1].label == "Industry"
    assert spec.entity is None


def test_to_dict_round_trips():
    spec = Spec.from_dict(
        two(method={"weights": "given", "margin": 0.2}, title="T")
        | {
            "subsystems": {
                "A": {"indicators": {"a1": "+", "a2": "-"}, "weights": {"a1": 1, "a2": 3}},
                "B": {"indicators": {"b1": "+"}, "weights": {"b1": 2}},
            }
        }
    )
    again = Spec.from_dict(spec.to_dict())
    assert again == spec
    assert spec.subsystems[0].weights == (0.25, 0.75)


def test_from_toml_reads_the_bundled_models():
    spec = Spec.from_toml(EXAMPLES / "trade_model.toml")
    assert [s.name for s in spec.subsystems] == ["cluster_trade", "city_trade"]
    assert spec.entity == "cluster" and spec.period == "year"
    paper = Spec.from_toml(EXAMPLES / "paper_model.toml")
    assert paper.columns == tuple(f"A{i}" for i in range(1, 12)) + tuple(
        f"B{i}" for i in range(1, 13)
    )


def test_unknown_keys_suggest_the_nearest():
    text = problems(two(method={"wieghts": "entropy"}, perod="x"))
    assert "spec key 'method.wieghts': unknown key" in text
    assert "did you mean 'weights'?" in text
    assert "spec key 'perod'" in text and "did you mean 'period'?" in text


@pytest.mark.parametrize(
    ("key", "value", "nearest"),
    [
        ("weights", "entrpy", "entropy"),
        ("bounds", "panels", "panel"),
        ("aggregation", "weighted-sum", "weighted_sum"),
        ("impute", "regresion", "regression"),
        ("weights_scope", "entities", "entity"),
        ("entropy_input", "min-max", "minmax"),
        ("on_constant", "dorp", "drop"),
    ],
)
def test_misspelt_option_values(key, value, nearest):
    text = problems(two(method={key: value}))
    assert f"spec key 'method.{key}': {value!r} is not one of" in text
    assert f"did you mean {nearest!r}?" in text


def test_every_problem_is_listed_at_once():
    text = problems(two(method={"margin": -0.1, "weights": "x", "combine_lambda": 2}))
    assert text.startswith("3 problems in the model spec")
    assert "'method.margin': must be a number in [0, 10], got -0.1" in text
    assert "'method.combine_lambda': must be a number in [0, 1], got 2" in text


def test_fewer_than_two_subsystems():
    assert "needs at least two subsystems" in problems({"period": "t"})
    one = {"period": "t", "subsystems": {"A": {"indicators": {"a": "+"}}}}
    assert "only one subsystem ('A'); synergy needs at least two" in problems(one)


def test_subsystem_without_indicators():
    spec = two()
    spec["subsystems"]["B"] = {"indicators": {}}
    assert "spec key 'subsystems.B.indicators': a subsystem needs at least one indicator" in (
        problems(spec)
    )
    spec["subsystems"]["B"] = {"label": "no indicators"}
    assert "spec key 'subsystems.B.indicators': needs indicators" in problems(spec)


def test_indicator_in_two_subsystems():
    spec = two()
    spec["subsystems"]["B"]["indicators"]["a1"] = "+"
    text = problems(spec)
    assert "column 'a1' is already an indicator of subsystem 'A'" in text


def test_bad_direction_lists_the_aliases():
    spec = two()
    spec["subsystems"]["A"]["indicators"]["a1"] = "up"
    text = problems(spec)
    assert "'subsystems.A.indicators.a1.direction': 'up' is not a direction" in text
    assert "'benefit'" in text and "'cost'" in text


def test_given_weights_negative_or_mismatched():
    spec = two(method={"weights": "given"})
    spec["subsystems"]["A"]["weights"] = {"a1": -1, "a2": 2}
    spec["subsystems"]["B"]["weights"] = {"b2": 1}
    text = problems(spec)
    assert "'subsystems.A.weights.a1': must be a number >= 0, got -1" in text
    assert "no weight for ['b1']" in text and "['b2'] not indicators of this subsystem" in text


def test_given_weights_required_by_method():
    text = problems(two(method={"weights": "given"}))
    assert "'subsystems.A.weights': method.weights = 'given' needs weights" in text


@pytest.mark.parametrize(
    ("matrix", "message"),
    [
        ([[1, 2]], "must be a square 2×2 matrix"),
        ([[1, 2], [0.5]], "must be a square 2×2 matrix"),
        ([[1, -2], [-0.5, 1]], "[0][1]': must be a finite number > 0"),
        ([[1, 2], [2, 1]], "must be reciprocal: P[0,1] = 2 but P[1,0] = 2"),
        ([[1, "two"], [0.5, 1]], "must be a finite number > 0 or a fraction like '1/3'"),
    ],
)
def test_ahp_matrix_must_be_square_positive_reciprocal(matrix, message):
    spec = two(method={"weights": "ahp"})
    spec["subsystems"]["A"]["ahp"] = matrix
    spec["subsystems"]["B"]["ahp"] = [[1]]
    text = problems(spec)
    assert message in text
    assert "needs a pairwise matrix" not in text  # one problem, not two


def test_ahp_fractions_as_text_and_inconsistency_refused():
    spec = {
        "period": "t",
        "method": {"weights": "ahp"},
        "subsystems": {
            # Inconsistent on purpose: a > b (3), b > c (3) but c > a (3).
            "A": {
                "indicators": {"a": "+", "b": "+", "c": "+"},
                "ahp": [[1, 3, "1/3"], ["1/3", 1, 3], [3, "1/3", 1]],
            },
            "B": {"indicators": {"d": "+"}, "ahp": [[1]]},
        },
    }
    text = problems(spec)
    assert "consistency ratio CR =" in text and "≥ 0.1" in text
    assert "method.allow_inconsistent_ahp = true" in text
    spec["method"]["allow_inconsistent_ahp"] = True
    assert Spec.from_dict(spec).subsystems[0].ahp[0][2] == pytest.approx(1 / 3)


def test_combined_needs_subjective_weights():
    text = problems(two(method={"weights": "combined"}))
    assert "'subsystems.A': method.weights = 'combined' needs subjective weights" in text


def test_explicit_bounds_order():
    spec = two()
    spec["subsystems"]["A"]["indicators"] = [{"column": "a1", "lower": 5, "upper": 1}]
    assert "'subsystems.A.indicators[0].upper': must be greater than lower (5)" in problems(spec)


def test_levels_and_stages_are_configurable_and_checked():
    spec = Spec.from_dict(two(stages={"edges": [0, 0.5], "names": ["no", "some", "much"]}))
    assert spec.stages.edges == (0.0, 0.5) and spec.stages.names == ("no", "some", "much")
    text = problems(two(levels={"edges": [0.3, 0.1], "names": ["a", "b", "c"]}))
    assert "'levels.edges': must be a strictly increasing list" in text
    text = problems(two(levels={"edges": [0, 0.5], "names": ["a", "b"]}))
    assert "'levels.names': needs 3 names for 2 edges" in text


def test_entity_and_period_same_column():
    assert "'entity': names the same column as 'period'" in problems(two(entity="t"))


def test_base_must_be_word_or_period():
    assert "'method.base': must be 'first', 'adjacent' or a period value" in problems(
        two(method={"base": [2010]})
    )


def test_toml_errors(tmp_path):
    with pytest.raises(SpecError, match="does not exist"):
        Spec.from_toml(tmp_path / "none.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("period = \n", encoding="utf-8")
    with pytest.raises(SpecError, match="is not valid TOML"):
        Spec.from_toml(bad)
    wrong = tmp_path / "wrong.toml"
    wrong.write_text('period = "t"\n[method]\nweights = "entrpy"\n', encoding="utf-8")
    with pytest.raises(SpecError) as info:
        Spec.from_toml(wrong)
    assert str(wrong) in str(info.value)


def test_errors_are_value_errors():
    assert issubclass(cosyn.SpecError, ValueError) and issubclass(cosyn.DataError, ValueError)
    assert issubclass(cosyn.SpecError, cosyn.CosynError)


def test_diagnostics_off_by_default_and_round_trip():
    spec = Spec.from_dict(two())
    assert not spec.diagnostics.any
    full = Spec.from_dict(
        two(
            diagnostics={
                "gra": True,
                "gra_threshold": 0.7,
                "coupling": "wang",
                "coupling_weights": {"A": 1, "B": 3},
                "obstacles": 5,
                "forecast": 3,
                "robustness": {"draws": 200, "margin": [0.0, 0.3], "seed": 7},
            }
        )
    )
    d = full.diagnostics
    assert d.any and d.coupling_weights == (0.25, 0.75) and d.obstacles == 5
    assert d.robustness is not None and d.robustness.margin == (0.0, 0.3)
    assert d.robustness.concentration == 50.0  # METHOD.md default kept
    assert Spec.from_dict(full.to_dict()) == full
    assert (
        Spec.from_dict(two(diagnostics={"robustness": True})).diagnostics.robustness.draws == 1000
    )
    assert Spec.from_dict(two(diagnostics={"coupling": False})).diagnostics.coupling is None


def test_diagnostics_errors():
    text = problems(
        two(
            diagnostics={
                "forcast": 3,
                "coupling": "wangg",
                "coupling_weights": {"A": 1},
                "obstacles": -1,
                "robustness": {"draws": 0, "margin": [0.3, 0.1], "sead": 1},
            }
        )
    )
    assert "'diagnostics.forcast': unknown key" in text and "did you mean 'forecast'?" in text
    assert "'diagnostics.coupling': 'wangg' is not one of" in text
    assert "needs one weight per subsystem ['A', 'B']; missing ['B']" in text
    assert "'diagnostics.obstacles': must be a whole number in [0, 1000], got -1" in text
    assert "'diagnostics.robustness.draws': must be a whole number in [1, 100000], got 0" in text
    assert "'diagnostics.robustness.margin': must be [low, high]" in text
    assert "'diagnostics.robustness.sead': unknown key" in text


# -- non-finite values, limits and huge numbers (METHOD.md §8, docs/spec.md "Limits") ----


@pytest.mark.parametrize(
    ("method", "message"),
    [
        ({"margin": math.inf}, "'method.margin': must be a finite number in [0, 10], got inf"),
        ({"margin": -math.inf}, "'method.margin': must be a finite number in [0, 10], got -inf"),
        ({"margin": math.nan}, "'method.margin': must be a finite number in [0, 10], got nan"),
        ({"margin": 1e300}, "'method.margin': must be a number in [0, 10], got 1e+300"),
        ({"margin": 10.5}, "'method.margin': must be a number in [0, 10], got 10.5"),
        ({"margin": 10**400}, "'method.margin': must be a finite number in [0, 10], got a 401"),
        ({"margin": "0.1"}, "'method.margin': must be a number in [0, 10], got '0.1'"),
        ({"combine_lambda": math.nan}, "'method.combine_lambda': must be a finite number in"),
        ({"base": math.nan}, "'method.base': must be 'first', 'adjacent' or a period value"),
        ({"base": 10**400}, "a period is a number of at most 18 digits"),
        ({"base": ""}, "'method.base': must be 'first', 'adjacent' or a period value"),
    ],
)
def test_non_finite_and_absurd_method_values(method, message):
    assert message in problems(two(method=method))


def test_margin_limits_are_inclusive():
    assert Spec.from_dict(two(method={"margin": 0})).method.margin == 0.0
    assert Spec.from_dict(two(method={"margin": 10})).method.margin == 10.0


@pytest.mark.parametrize(
    ("diagnostics", "message"),
    [
        ({"forecast": 10**9}, "'diagnostics.forecast': must be a whole number in [0, 100], got"),
        ({"forecast": 2.5}, "'diagnostics.forecast': must be a whole number in [0, 100], got 2.5"),
        ({"forecast": True}, "'diagnostics.forecast': must be a whole number"),
        ({"obstacles": 10**400}, "'diagnostics.obstacles': must be a whole number in [0, 1000]"),
        ({"robustness": {"draws": 10**8}}, "'diagnostics.robustness.draws': must be a whole"),
        ({"robustness": {"seed": 2**32}}, "'diagnostics.robustness.seed': must be a whole number"),
        ({"robustness": {"seed": -1}}, "in [0, 4294967295], got -1"),
        ({"robustness": {"concentration": 0.09}}, "must be a number >= 0.1, got 0.09"),
        ({"robustness": {"concentration": math.inf}}, "must be a finite number >= 0.1, got inf"),
        ({"robustness": {"margin": [0, math.inf]}}, "two finite numbers with 0 <= low <= high"),
        ({"robustness": {"margin": [0, 11]}}, "0 <= low <= high <= 10, got [0, 11]"),
        ({"robustness": {"margin": [-0.1, 0.2]}}, "'diagnostics.robustness.margin': must be"),
        ({"gra_rho": 0}, "'diagnostics.gra_rho': must be a number in (0, 1], got 0"),
        ({"gra_threshold": math.nan}, "'diagnostics.gra_threshold': must be a finite number"),
        ({"coupling_weights": {"A": math.inf, "B": 1}}, "'diagnostics.coupling_weights.A'"),
        ({"obstacle_weights": {"A": 0, "B": 0}}, "'diagnostics.obstacle_weights': weights must"),
    ],
)
def test_diagnostics_limits(diagnostics, message):
    assert message in problems(two(diagnostics=diagnostics))


def test_limits_themselves_are_allowed():
    from cosyn.spec import MAX_DRAWS, MAX_FORECAST, MAX_OBSTACLES, MAX_SEED, MIN_CONCENTRATION

    d = Spec.from_dict(
        two(
            diagnostics={
                "forecast": MAX_FORECAST,
                "obstacles": MAX_OBSTACLES,
                "robustness": {
                    "draws": MAX_DRAWS,
                    "seed": MAX_SEED,
                    "concentration": MIN_CONCENTRATION,
                    "margin": [0, 10],
                },
            }
        )
    ).diagnostics
    assert (d.forecast, d.obstacles) == (100, 1000)
    assert d.robustness == Robustness(100_000, 0.1, (0.0, 10.0), 2**32 - 1)
    # A whole float (as a spreadsheet cell gives it) counts as a whole number.
    assert Spec.from_dict(two(diagnostics={"forecast": 3.0})).diagnostics.forecast == 3


def test_min_concentration_keeps_the_dirichlet_sampler_from_underflowing():
    """At κ = 0.1 a subsystem's gamma variates all underflow with probability ≈ e^(−74).

    A Gamma(α) variate lies below the smallest double with probability ≈ (5e-324)^α, so
    all of a subsystem's variates (shapes κφ_i summing to κ) do with ≈ e^(−744κ): 6e-4
    at κ = 0.01 — seen in 10^6 draws — and 5e-33 at the floor κ = 0.1.
    """
    from cosyn.spec import MIN_CONCENTRATION

    rng = np.random.default_rng(1)
    tiny = rng.standard_gamma(0.01, size=1_000_000)
    assert (tiny == 0).mean() == pytest.approx(math.exp(-744 * 0.01), rel=0.2)
    floor = rng.standard_gamma(MIN_CONCENTRATION, size=1_000_000)
    assert (floor > 0).all()


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"edges": [0, math.inf], "names": ["a", "b", "c"]}, "got [0, inf]"),
        ({"edges": [0, math.nan], "names": ["a", "b", "c"]}, "got [0, nan]"),
        ({"edges": [0, 10**400], "names": ["a", "b", "c"]}, "got [0, a 401-digit integer]"),
        ({"edges": [0.5, 0.5], "names": ["a", "b", "c"]}, "strictly increasing"),
        ({"edges": [], "names": ["a"]}, "strictly increasing list of finite numbers, got []"),
        ({"edges": [0, True], "names": ["a", "b", "c"]}, "strictly increasing"),
    ],
)
def test_scale_edges_finite_and_increasing(table, message):
    text = problems(two(levels=table))
    assert "'levels.edges': must be a strictly increasing list of finite numbers" in text
    assert message in text


def test_explicit_bounds_finite_with_a_finite_range():
    spec = two()
    spec["subsystems"]["A"]["indicators"] = [
        {"column": "a1", "lower": -math.inf, "upper": 1},
        {"column": "a2", "lower": -1e308, "upper": 1e308},
        {"column": "a3", "upper": math.nan},
    ]
    text = problems(spec)
    assert "'subsystems.A.indicators[0].lower': must be a finite number, got -inf" in text
    assert "'subsystems.A.indicators[1].upper': the range upper − lower" in text
    assert "'subsystems.A.indicators[2].upper': must be a finite number, got nan" in text


def test_given_weights_finite():
    spec = two(method={"weights": "given"})
    spec["subsystems"]["A"]["weights"] = {"a1": math.inf, "a2": 1}
    spec["subsystems"]["B"]["weights"] = {"b1": math.nan}
    text = problems(spec)
    assert "'subsystems.A.weights.a1': must be a finite number >= 0, got inf" in text
    assert "'subsystems.B.weights.b1': must be a finite number >= 0, got nan" in text


def test_given_weights_near_the_float_limit_are_normalised_without_overflow():
    spec = two(method={"weights": "given"})
    spec["subsystems"]["A"]["weights"] = {"a1": 1e308, "a2": 1e308}
    spec["subsystems"]["B"]["weights"] = {"b1": 5}
    parsed = Spec.from_dict(spec)
    assert parsed.subsystems[0].weights == (0.5, 0.5)
    assert parsed.subsystems[1].weights == (1.0,)


def test_ahp_entries_finite():
    spec = two(method={"weights": "ahp"})
    spec["subsystems"]["A"]["ahp"] = [[1, math.inf], [0.0, 1]]
    spec["subsystems"]["B"]["ahp"] = [[1]]
    assert "'subsystems.A.ahp[0][1]': must be a finite number > 0" in problems(spec)
    spec["subsystems"]["A"]["ahp"] = [[1, "1/0"], [2, 1]]
    assert "got '1/0'" in problems(spec)
    spec["subsystems"]["A"]["ahp"] = [[1, 10**400], ["1/3", 1]]
    assert "got a 401-digit integer" in problems(spec)


def test_toml_inf_and_nan_literals_are_refused(tmp_path):
    path = tmp_path / "m.toml"
    path.write_text(
        'period = "t"\n[method]\nmargin = inf\ncombine_lambda = nan\n'
        '[subsystems.A]\nindicators = { a = "+" }\n[subsystems.B]\nindicators = { b = "+" }\n',
        encoding="utf-8",
    )
    with pytest.raises(SpecError) as info:
        Spec.from_toml(path)
    text = str(info.value)
    assert text.startswith(f"2 problems in the model spec in {path}")
    assert "got inf" in text and "got nan" in text


def test_deeply_nested_toml_names_the_file(tmp_path):
    path = tmp_path / "deep.toml"
    path.write_text("x = " + "[" * 10_000 + "]" * 10_000 + "\n", encoding="utf-8")
    with pytest.raises(SpecError, match=r"'.*deep\.toml' nests arrays or tables too deeply"):
        Spec.from_toml(path)
    path.write_text("x = 1" + "0" * 5000 + "\n", encoding="utf-8")
    with pytest.raises(SpecError, match="holds an integer of more than 4300 digits"):
        Spec.from_toml(path)


def test_deeply_nested_and_huge_values_in_a_dict():
    deep: list = []
    inner = deep
    for _ in range(10_000):
        inner.append([])
        inner = inner[0]
    text = problems(two(zz=deep, title=deep))
    assert "'zz': unknown key" in text and "'title': must be a text, got [[[[...]]]]" in text
    spec = two()
    spec[10**5000] = 1  # a key whose text Python refuses to write out
    assert "unknown key" in problems(spec)
    spec = two(**{"x" * 10_000: 1})
    text = problems(spec)
    assert len(text) < 1000 and "xxx..." in text


def test_period_column_cannot_be_an_indicator():
    spec = two()
    spec["subsystems"]["B"]["indicators"]["t"] = "+"
    assert "column 't' is the entity or period column" in problems(spec)


# -- a Spec built directly obeys the same rules (issue item 3) ----------------------------


def direct(weights_a=(2, 6), weights_b=(3,)) -> Spec:
    return Spec(
        subsystems=(
            Subsystem("A", "A", (Indicator("a1", "A"), Indicator("a2", "A")), weights_a),
            Subsystem("B", "B", (Indicator("b1", "B"),), weights_b),
        ),
        period="t",
        method=Method(margin=0.0, weights="given"),
    )


HAND = pd.DataFrame({"t": [2020, 2021, 2022], "a1": [1, 2, 3], "a2": [0, 4, 2], "b1": [1, 2, 5]})


def test_direct_given_weights_are_normalised_and_fit_like_the_dict():
    """weights = (2, 6) is (1/4, 3/4), by hand and as the dict-built spec gives it.

    margin 0, bounds per entity: u(a1) = (0, 1/2, 1), u(a2) = (0, 1, 1/2), u(b1) =
    (0, 1/4, 1); μ_A = (0, 7/8, 5/8), μ_B = u(b1); from 2020, U(2021) = √(7/8 · 1/4) and
    U(2022) = √(5/8 · 1).
    """
    spec = direct()
    assert spec.subsystems[0].weights == (0.25, 0.75)
    assert spec.subsystems[1].weights == (1.0,)
    res = cosyn.fit(HAND, spec)
    assert res.synergy.synergy.tolist() == pytest.approx([math.sqrt(7 / 32), math.sqrt(5 / 8)])
    mu = res.subsystem_order.pivot(index="period", columns="subsystem", values="order")
    assert mu["A"].tolist() == pytest.approx([0, 7 / 8, 5 / 8])
    from_dict = Spec.from_dict(
        {
            "period": "t",
            "method": {"margin": 0, "weights": "given"},
            "subsystems": {
                "A": {"indicators": {"a1": "+", "a2": "+"}, "weights": {"a1": 2, "a2": 6}},
                "B": {"indicators": {"b1": "+"}, "weights": {"b1": 3}},
            },
        }
    )
    pd.testing.assert_frame_equal(cosyn.fit(HAND, from_dict).synergy, res.synergy)
    assert Spec.from_dict(spec.to_dict()).subsystems == spec.subsystems


def test_direct_spec_is_checked_as_a_whole_when_fitted():
    # each part is valid on its own, but 'given' needs weights for B too: the parser's
    # message by key, not an assertion deep in the fit
    with pytest.raises(SpecError, match=r"'subsystems\.B\.weights': method.weights = 'given'"):
        cosyn.fit(HAND, direct(weights_b=None))
    one = Spec(subsystems=direct().subsystems[:1], period="t", method=Method(weights="given"))
    with pytest.raises(SpecError, match="only one subsystem"):
        cosyn.fit(HAND, one)


def test_normalising_is_idempotent():
    once = Subsystem("A", "A", tuple(Indicator(c, "A") for c in "abc"), (1, 1, 1)).weights
    again = Subsystem("A", "A", tuple(Indicator(c, "A") for c in "abc"), once).weights
    assert once == again and math.fsum(once) == pytest.approx(1, abs=1e-15)


@pytest.mark.parametrize(
    ("weights", "message"),
    [
        ((1, -1), "each weight must be a finite number >= 0, got -1"),
        ((0, 0), "weights must not all be 0"),
        ((1, math.inf), "each weight must be a finite number >= 0, got inf"),
        ((1, math.nan), "got nan"),
        ((1,), "needs 2 weights, one per indicator of ['a1', 'a2'], got 1"),
        ("12", "must be a sequence of weights"),
    ],
)
def test_direct_given_weights_refused(weights, message):
    text = refused(lambda: direct(weights_a=weights))
    assert "'subsystems.A.weights'" in text and message in text


def refused(make) -> str:
    with pytest.raises(SpecError) as info:
        make()
    return str(info.value)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: Method(margin=math.inf), "'method.margin': must be a finite number"),
        (lambda: Method(critic_input="min-max"), "'method.critic_input': 'min-max' is not one"),
        (lambda: Method(weights="entrpy"), "did you mean 'entropy'?"),
        (lambda: Indicator("a", "A", lower=2, upper=1), "'subsystems.A.indicators.a.upper'"),
        (lambda: Indicator("a", "A", lower=math.nan), "'subsystems.A.indicators.a.lower'"),
        (lambda: Robustness(draws=10**8), "'diagnostics.robustness.draws'"),
        (lambda: Robustness(concentration=1e-9), "'diagnostics.robustness.concentration'"),
        (lambda: Robustness(margin=(0.2, 0.1)), "'diagnostics.robustness.margin'"),
        (lambda: Robustness(seed=-1), "'diagnostics.robustness.seed'"),
        (lambda: Diagnostics(forecast=10**9), "'diagnostics.forecast'"),
        (lambda: Diagnostics(obstacles=-1), "'diagnostics.obstacles'"),
        (lambda: Diagnostics(lag_edges=(1.2, 0.8)), "'diagnostics.lag_edges'"),
        (lambda: Diagnostics(coupling_input="rescaled"), "'diagnostics.coupling_input'"),
        (lambda: Diagnostics(coupling="wangg"), "'diagnostics.coupling'"),
        (lambda: Diagnostics(coupling_weights=(0, 0)), "'diagnostics.coupling_weights': weights"),
        (lambda: Scale((0.0, 0.5), ("a", "b")), "'scale.names': needs 3 names for 2 edges"),
        (lambda: Scale((0.0, math.nan), ("a", "b", "c")), "'scale.edges'"),
        (lambda: Scale((0.5, 0.5), ("a", "b", "c")), "'scale.edges'"),
    ],
)
def test_direct_dataclasses_check_their_values(make, message):
    assert message in refused(make)


def test_direct_subsystem_weights_normalised_and_counted():
    d = Diagnostics(coupling_weights=(1, 3), obstacle_weights=(2.0, 2.0))
    assert d.coupling_weights == (0.25, 0.75) and d.obstacle_weights == (0.5, 0.5)
    text = refused(lambda: replace(direct(), diagnostics=Diagnostics(coupling_weights=(1, 1, 1))))
    assert "needs one weight per subsystem (2), got 3" in text


# -- the convention keys of the diagnostics (METHOD.md §8) ------------------------------


def test_convention_keys_defaults_parse_and_round_trip():
    d = Spec.from_dict(two()).diagnostics
    assert Spec.from_dict(two()).method.critic_input == "order"
    assert (d.coupling_input, d.lag_edges) == ("order", (0.8, 1.2))
    assert d.coupling_levels.edges == tuple(round(0.1 * n, 1) for n in range(1, 10))
    assert len(d.coupling_levels.names) == 10 and d.coupling_levels.names[0] == (
        "extreme imbalance"
    )
    assert d.coupling_stages == Scale((0.3, 0.5, 0.8), d.coupling_stages.names)
    spec = Spec.from_dict(
        two(
            method={"weights": "critic", "critic_input": "minmax"},
            diagnostics={
                "coupling": "classic",
                "coupling_input": "rescale",
                "lag_edges": [0.9, 1.1],
                "coupling_levels": {"edges": [0.4, 0.7], "names": ["low", "mid", "high"]},
                "coupling_stages": {"edges": [0.5], "names": ["weak", "strong"]},
            },
        )
    )
    d = spec.diagnostics
    assert spec.method.critic_input == "minmax" and d.coupling_input == "rescale"
    assert d.lag_edges == (0.9, 1.1)
    assert d.coupling_levels == Scale((0.4, 0.7), ("low", "mid", "high"))
    assert d.coupling_stages == Scale((0.5,), ("weak", "strong"))
    assert Spec.from_dict(spec.to_dict()) == spec


def test_convention_keys_errors():
    text = problems(
        two(
            method={"critic_input": "min-max"},
            diagnostics={
                "coupling_input": "spssau",
                "lag_edges": [1.2],
                "coupling_levels": {"edges": [0.4, 0.7], "names": ["a"], "focus": ["x"]},
                "coupling_stages": {"edges": [0.5, 0.2], "names": ["a", "b", "c"]},
            },
        )
    )
    assert "'method.critic_input': 'min-max' is not one of 'order', 'minmax'" in text
    assert "did you mean 'minmax'?" in text
    assert "'diagnostics.coupling_input': 'spssau' is not one of 'order', 'rescale'" in text
    assert "'diagnostics.lag_edges': must be [low, high]" in text and "got [1.2]" in text
    assert "'diagnostics.coupling_levels.names': needs 3 names for 2 edges" in text
    assert "'diagnostics.coupling_levels.focus': unknown key" in text
    assert "'diagnostics.coupling_stages.edges': must be a strictly increasing" in text
    assert "lag_edges': must be [low, high], two finite numbers with 0 < low <= high" in (
        problems(two(diagnostics={"lag_edges": [0, 1]}))
    )


def test_the_documented_model_file_is_valid():
    """docs/spec.md's main example, levels and stages, and diagnostics, read together."""
    doc = (Path(__file__).resolve().parents[1] / "docs" / "spec.md").read_text(encoding="utf-8")
    blocks = doc.split("```toml\n")[1:]
    toml = [b.split("```")[0] for b in blocks]
    main = next(b for b in toml if b.startswith("title"))
    scales = next(b for b in toml if b.startswith("[levels]"))
    diagnostics = next(b for b in toml if b.startswith("[diagnostics]"))
    spec = Spec.from_dict(tomllib.loads(main + scales + diagnostics))
    d = spec.diagnostics
    assert spec.method == Method()  # the defaults as documented
    assert d.coupling_levels == Diagnostics().coupling_levels
    assert d.coupling_stages == Diagnostics().coupling_stages
    assert (d.lag_edges, d.coupling_input, d.forecast) == ((0.8, 1.2), "order", 3)
    assert d.robustness == Robustness()


@pytest.mark.parametrize(
    ("diagnostics", "key"),
    [
        ({"coupling_input": "rescale"}, "coupling_input"),
        ({"lag_edges": [0.9, 1.1]}, "lag_edges"),
        ({"coupling_weights": {"A": 1, "B": 1}}, "coupling_weights"),
        ({"coupling": False, "coupling_levels": {"edges": [0.5], "names": ["a", "b"]}}, None),
        ({"obstacles": 0, "obstacle_weights": {"A": 1, "B": 1}}, "obstacle_weights"),
    ],
)
def test_keys_of_a_diagnostic_that_is_off_are_not_ignored(diagnostics, key):
    text = problems(two(diagnostics=diagnostics))
    key = key or "coupling_levels"
    switch = "obstacles" if key.startswith("obstacle") else "coupling"
    assert f"'diagnostics.{key}': has no effect while diagnostics.{switch} is off" in text
    on = {"coupling": "fan"} if switch == "coupling" else {"obstacles": 2}
    Spec.from_dict(two(diagnostics={**diagnostics, **on}))


def test_subjective_weights_that_the_method_ignores_are_not_ignored_silently():
    spec = two()
    spec["subsystems"]["A"]["weights"] = {"a1": 1, "a2": 2}
    spec["subsystems"]["B"]["ahp"] = [[1]]
    text = problems(spec)
    assert "'subsystems.A.weights': has no effect with method.weights = 'entropy'; set " in text
    assert "method.weights = 'given' (or 'combined')" in text
    assert "'subsystems.B.ahp': has no effect with method.weights = 'entropy'" in text
    spec["method"] = {"weights": "gvien"}  # misspelt: one problem, no second guess
    text = problems(spec)
    assert text.startswith("1 problem") and "did you mean 'given'?" in text


def test_model_file_size_is_bounded(tmp_path):
    from cosyn.spec import MAX_MODEL_BYTES

    path = tmp_path / "big.toml"
    with path.open("wb") as f:
        f.truncate(MAX_MODEL_BYTES + 1)  # sparse: no 10 MiB written
    with pytest.raises(SpecError, match="is larger than 10 MiB; a model file has a few"):
        Spec.from_toml(path)
    path.write_text('period = "t"\n' + "# a comment\n" * 1000, encoding="utf-8")
    assert "needs at least two subsystems" in str(refused(lambda: Spec.from_toml(path)))


# -- researcher-facing keys: Chinese directions, stage focus, report entities, na_values --


@pytest.mark.parametrize(
    ("word", "positive"),
    [("正向", True), ("正", True), (" 正向指标 ", True), ("负向", False), ("负", False)],
)
def test_chinese_directions(word, positive):
    spec = Spec.from_dict(
        two(subsystems={"A": {"indicators": {"a1": word}}, "B": {"indicators": {"b1": "+"}}})
    )
    assert spec.subsystems[0].indicators[0].positive is positive


def test_stage_cards_are_neutral_unless_a_focus_is_asked_for():
    assert Spec.from_dict(two()).stages.focus == ()
    assert Spec.from_dict(two()).stages.preset is None
    paper = Spec.from_dict(two(stages={"focus": "zhang2023"}))
    assert paper.stages.preset == "zhang2023"
    assert paper.stages.focus == cosyn.spec.STAGE_FOCUS
    assert "digital trade" in paper.stages.focus[3]
    own = Spec.from_dict(two(stages={"focus": ["a", "b", "c", "d", "e"]}))
    assert own.stages.focus == ("a", "b", "c", "d", "e") and own.stages.preset is None


def test_focus_round_trips_as_the_preset_name():
    spec = Spec.from_toml(EXAMPLES / "trade_model.toml")
    assert spec.stages.preset == "zhang2023"
    assert spec.to_dict()["stages"]["focus"] == "zhang2023"
    assert Spec.from_dict(spec.to_dict()) == replace(spec, source=None)


def test_unknown_focus_preset_and_wrong_length():
    assert "did you mean 'zhang2023'" in problems(two(stages={"focus": "zhang"}))
    assert "needs one text per name (5), got 2" in problems(two(stages={"focus": ["a", "b"]}))


def test_report_entities_and_na_values_parse_and_round_trip():
    spec = Spec.from_dict(two(report={"entities": ["北京", 110000]}, na_values=["-", "—"]))
    assert spec.report.entities == ("北京", "110000")
    assert spec.na_values == ("-", "—")
    assert Spec.from_dict(spec.to_dict()) == spec
    assert Spec.from_dict(two()).na_values is None
    assert "report" not in Spec.from_dict(two()).to_dict()


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"report": {"entities": "北京"}}, "'report.entities': must be a list of entity names"),
        ({"report": {"entities": ["北京", "北京"]}}, "names '北京' twice"),
        ({"report": {"entities": [""]}}, "must be a list of entity names"),
        ({"report": {"entity": ["北京"]}}, "did you mean 'entities'"),
        ({"na_values": "-"}, "'na_values': must be a list of texts"),
        ({"na_values": ["-", 0]}, "'na_values': must be a list of texts"),
    ],
    ids=[
        "entities-text",
        "entities-twice",
        "entities-empty",
        "report-typo",
        "na-text",
        "na-number",
    ],
)
def test_report_and_na_values_problems(extra, message):
    assert message in problems(two(**extra))

"""The model specification: parsing, defaults, round trip, and every spec error."""

from __future__ import annotations

from pathlib import Path

import pytest

import cosyn
from cosyn import Spec, SpecError

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

"""Bad model specs and command-line calls: each refused with one clear message.

Every case runs ``cosyn check model.toml --data data.csv`` or ``cosyn run …`` on a small
panel written inline and names the fragment its message must show — the spec key, what
is wrong, what is allowed (METHOD.md §8 "Non-finite"; docs/spec.md "Limits") — and its
exit code: 1 for a bad model or data, 2 for bad usage.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from bad_input_catalogue import Case, run_case

DATA = """\
region,year,a1,a2,b1,b2
x,2018,1,5,2,9
x,2019,2,4,3,8
x,2020,3,3,5,6
y,2018,2,6,1,7
y,2019,3,5,4,7
y,2020,5,4,6,5
"""

HEAD = 'entity = "region"\nperiod = "year"\n'
SUBSYSTEMS = """
[subsystems.A]
indicators = { a1 = "+", a2 = "-" }
[subsystems.B]
indicators = { b1 = "+", b2 = "-" }
"""
MODEL = HEAD + SUBSYSTEMS
CHECK = ("check", "{tmp}/model.toml", "--data", "{tmp}/data.csv")
RUN = ("run", "{tmp}/model.toml", "--data", "{tmp}/data.csv", "--out", "{tmp}/out")

#: A 400-digit integer (401 digits: 1 and 400 zeros) and one past Python's int-to-text limit.
BIG = "1" + "0" * 400
HUGE = "1" + "0" * 5000
DEEP = "x = " + "[" * 10_000 + "]" * 10_000 + "\n"
DEEP_TABLES = "x = " + "{a = " * 5_000 + "1" + "}" * 5_000 + "\n"


def model(text: str = "", *, head: str = HEAD, subsystems: str = SUBSYSTEMS) -> str:
    """The model file: ``head``, then ``text`` (tables such as [method]), then subsystems."""
    return head + text + subsystems


def case(
    id: str,
    spec: str,
    fragment: str,
    *,
    args: tuple[str, ...] = CHECK,
    code: int = 1,
    data: str = DATA,
) -> Case:
    return Case(id, args, fragment, code, {"model.toml": spec, "data.csv": data})


CASES = [
    # -- non-finite and absurd numbers (METHOD.md §8) -----------------------------------
    case(
        "margin-inf",
        model("[method]\nmargin = inf\n"),
        "'method.margin': must be a finite number in [0, 10], got inf",
    ),
    case(
        "margin-inf-run",
        model("[method]\nmargin = inf\n"),
        "'method.margin': must be a finite number in [0, 10], got inf",
        args=RUN,
    ),
    case(
        "margin-1e300",
        model("[method]\nmargin = 1e300\n"),
        "'method.margin': must be a number in [0, 10], got 1e+300",
    ),
    case(
        "margin-negative",
        model("[method]\nmargin = -1\n"),
        "'method.margin': must be a number in [0, 10], got -1",
    ),
    case(
        "margin-nan",
        model("[method]\nmargin = nan\n"),
        "'method.margin': must be a finite number in [0, 10], got nan",
    ),
    case(
        "margin-400-digits",
        model(f"[method]\nmargin = {BIG}\n"),
        "'method.margin': must be a finite number in [0, 10], got a 401-digit integer",
    ),
    case(
        "combine-lambda-nan",
        model("[method]\ncombine_lambda = nan\n"),
        "'method.combine_lambda': must be a finite number in [0, 1], got nan",
    ),
    case(
        "base-400-digits",
        model(f"[method]\nbase = {BIG}\n"),
        "'method.base': must be 'first', 'adjacent' or a period value",
    ),
    case(
        "base-inf",
        model("[method]\nbase = -inf\n"),
        "'method.base': must be 'first', 'adjacent' or a period value",
    ),
    case(
        "levels-not-increasing",
        model('[levels]\nedges = [0, 0.6, 0.3, 0.9]\nnames = ["n", "l", "m", "h", "e"]\n'),
        "'levels.edges': must be a strictly increasing list of finite numbers",
    ),
    case(
        "stages-edge-inf",
        model('[stages]\nedges = [0, 0.5, inf]\nnames = ["n", "a", "b", "c"]\n'),
        "'stages.edges': must be a strictly increasing list of finite numbers, got [0, 0.5, inf]",
    ),
    case(
        "levels-edge-400-digits",
        model(f'[levels]\nedges = [0, {BIG}]\nnames = ["n", "a", "b"]\n'),
        "got [0, a 401-digit integer]",
    ),
    case(
        "lower-inf",
        model(
            "",
            subsystems='[subsystems.A]\nindicators = { a1 = { lower = -inf, upper = 9 }, a2 = "-" }'
            '\n[subsystems.B]\nindicators = { b1 = "+", b2 = "-" }\n',
        ),
        "'subsystems.A.indicators.a1.lower': must be a finite number, got -inf",
    ),
    case(
        "bounds-range-overflows",
        model(
            "",
            subsystems="[subsystems.A]\n"
            'indicators = { a1 = { lower = -1e308, upper = 1e308 }, a2 = "-" }\n'
            '[subsystems.B]\nindicators = { b1 = "+", b2 = "-" }\n',
        ),
        "'subsystems.A.indicators.a1.upper': the range upper − lower (1e+308 − -1e+308) overflows",
    ),
    case(
        "upper-not-above-lower",
        model(
            "",
            subsystems='[subsystems.A]\nindicators = { a1 = { lower = 5, upper = 5 }, a2 = "-" }'
            '\n[subsystems.B]\nindicators = { b1 = "+", b2 = "-" }\n',
        ),
        "'subsystems.A.indicators.a1.upper': must be greater than lower (5), got 5",
    ),
    # -- size-driving options and their limits (issue item 12) ----------------------------
    case(
        "forecast-1e9",
        model("[diagnostics]\nforecast = 1000000000\n"),
        "'diagnostics.forecast': must be a whole number in [0, 100], got 1000000000",
    ),
    case(
        "forecast-1e9-run",
        model("[diagnostics]\nforecast = 1000000000\n"),
        "'diagnostics.forecast': must be a whole number in [0, 100]",
        args=RUN,
    ),
    case(
        "draws-1e8",
        model("[diagnostics.robustness]\ndraws = 100000000\n"),
        "'diagnostics.robustness.draws': must be a whole number in [1, 100000], got 100000000",
    ),
    case(
        "draws-1e8-run",
        model("[diagnostics.robustness]\ndraws = 100000000\n"),
        "'diagnostics.robustness.draws': must be a whole number in [1, 100000]",
        args=RUN,
    ),
    case(
        "obstacles-400-digits",
        model(f"[diagnostics]\nobstacles = {BIG}\n"),
        "'diagnostics.obstacles': must be a whole number in [0, 1000], got a 401-digit integer",
    ),
    case(
        "concentration-tiny",
        model("[diagnostics.robustness]\nconcentration = 1e-9\n"),
        "'diagnostics.robustness.concentration': must be a number >= 0.1, got 1e-09",
    ),
    case(
        "concentration-inf",
        model("[diagnostics.robustness]\nconcentration = inf\n"),
        "'diagnostics.robustness.concentration': must be a finite number >= 0.1, got inf",
    ),
    case(
        "robustness-margin-inf",
        model("[diagnostics.robustness]\nmargin = [0, inf]\n"),
        "'diagnostics.robustness.margin': must be [low, high], two finite numbers with "
        "0 <= low <= high <= 10, got [0, inf]",
    ),
    case(
        "seed-negative",
        model("[diagnostics.robustness]\nseed = -1\n"),
        "'diagnostics.robustness.seed': must be a whole number in [0, 4294967295], got -1",
    ),
    case(
        "seed-2-to-the-64",
        model("[diagnostics.robustness]\nseed = 18446744073709551616\n"),
        "'diagnostics.robustness.seed': must be a whole number in [0, 4294967295]",
    ),
    # -- files that are not TOML ------------------------------------------------------------
    case(
        "toml-nested-10000-deep",
        DEEP + MODEL,
        "nests arrays or tables too deeply to read",
    ),
    case(
        "toml-inline-tables-5000-deep",
        DEEP_TABLES + MODEL,
        "nests arrays or tables too deeply to read",
    ),
    case(
        "toml-5000-digit-integer",
        f"x = {HUGE}\n" + MODEL,
        "is not valid TOML: it holds an integer of more than 4300 digits",
    ),
    case("toml-syntax", "period = \n" + SUBSYSTEMS, "is not valid TOML"),
    Case(
        "toml-not-utf8",
        CHECK,
        "cannot be read",
        1,
        {"model.toml": b'period = "\xff\xfe"\n', "data.csv": DATA},
    ),
    Case("model-missing", ("check", "{tmp}/none.toml"), "does not exist", 1),
    Case("model-is-a-folder", ("check", "{tmp}"), "is a directory", 2),
    # -- keys and choices -------------------------------------------------------------------
    case(
        "misspelt-key",
        model('[method]\nwieghts = "entropy"\n'),
        "'method.wieghts': unknown key; allowed here: 'margin'",
    ),
    case(
        "misspelt-key-suggestion",
        model('[method]\nwieghts = "entropy"\n'),
        "did you mean 'weights'?",
    ),
    case(
        "unknown-weights-method",
        model('[method]\nweights = "entrpy"\n'),
        "'method.weights': 'entrpy' is not one of 'entropy', 'critic'",
    ),
    case(
        "critic-input-misspelt",
        model('[method]\ncritic_input = "min-max"\n'),
        "'method.critic_input': 'min-max' is not one of 'order', 'minmax' — did you mean 'minmax'?",
    ),
    case(
        "coupling-input-misspelt",
        model('[diagnostics]\ncoupling = "classic"\ncoupling_input = "rescaled"\n'),
        "'diagnostics.coupling_input': 'rescaled' is not one of 'order', 'rescale'",
    ),
    case(
        "bad-direction",
        model(
            "",
            subsystems='[subsystems.A]\nindicators = { a1 = "up", a2 = "-" }\n'
            '[subsystems.B]\nindicators = { b1 = "+", b2 = "-" }\n',
        ),
        "'subsystems.A.indicators.a1.direction': 'up' is not a direction",
    ),
    # -- subjective weights -----------------------------------------------------------------
    case(
        "given-weights-all-zero",
        model(
            '[method]\nweights = "given"\n',
            subsystems=SUBSYSTEMS.replace(
                '"-" }\n[', '"-" }\nweights = { a1 = 0, a2 = 0 }\n['
            ).replace('b2 = "-" }', 'b2 = "-" }\nweights = { b1 = 1, b2 = 1 }'),
        ),
        "'subsystems.A.weights': weights must not all be 0",
    ),
    case(
        "given-weights-negative",
        model(
            '[method]\nweights = "given"\n',
            subsystems=SUBSYSTEMS.replace(
                '"-" }\n[', '"-" }\nweights = { a1 = -1, a2 = 2 }\n['
            ).replace('b2 = "-" }', 'b2 = "-" }\nweights = { b1 = 1, b2 = 1 }'),
        ),
        "'subsystems.A.weights.a1': must be a number >= 0, got -1",
    ),
    case(
        "given-weights-inf",
        model(
            '[method]\nweights = "given"\n',
            subsystems=SUBSYSTEMS.replace(
                '"-" }\n[', '"-" }\nweights = { a1 = inf, a2 = 2 }\n['
            ).replace('b2 = "-" }', 'b2 = "-" }\nweights = { b1 = 1, b2 = 1 }'),
        ),
        "'subsystems.A.weights.a1': must be a finite number >= 0, got inf",
    ),
    case(
        "given-weights-left-all-zero-after-a-drop",
        model(
            '[method]\nweights = "given"\non_constant = "drop"\nbounds = "panel"\n',
            subsystems=SUBSYSTEMS.replace(
                '"-" }\n[', '"-" }\nweights = { a1 = 1, a2 = 0 }\n['
            ).replace('b2 = "-" }', 'b2 = "-" }\nweights = { b1 = 1, b2 = 1 }'),
        ),
        "subsystem 'A': every indicator with a given weight above 0 is constant and was dropped",
        args=RUN,
        data="region,year,a1,a2,b1,b2\n"
        + "".join(
            f"{e},{t},0,{a2},{b1},{b2}\n"
            for e, t, a2, b1, b2 in [
                ("x", 2018, 5, 2, 9),
                ("x", 2019, 4, 3, 8),
                ("x", 2020, 3, 5, 6),
                ("y", 2018, 6, 1, 7),
                ("y", 2019, 5, 4, 7),
                ("y", 2020, 4, 6, 5),
            ]
        ),
    ),
    case(
        "given-weights-with-entropy",
        model(subsystems=SUBSYSTEMS.replace('"-" }\n[', '"-" }\nweights = { a1 = 1, a2 = 3 }\n[')),
        "'subsystems.A.weights': has no effect with method.weights = 'entropy'",
    ),
    case(
        "coupling-weights-nan",
        model('[diagnostics]\ncoupling = "wang"\ncoupling_weights = { A = nan, B = 1 }\n'),
        "'diagnostics.coupling_weights.A': must be a finite number >= 0, got nan",
    ),
    case(
        "ahp-entry-inf",
        model(
            '[method]\nweights = "ahp"\n',
            subsystems=SUBSYSTEMS.replace('"-" }\n[', '"-" }\nahp = [[1, inf], [0, 1]]\n[').replace(
                'b2 = "-" }', 'b2 = "-" }\nahp = [[1, 1], [1, 1]]'
            ),
        ),
        "'subsystems.A.ahp[0][1]': must be a finite number > 0",
    ),
    # -- subsystems and indicators ----------------------------------------------------------
    case("no-subsystem", HEAD, "the spec needs at least two subsystems"),
    case(
        "one-subsystem",
        HEAD + '[subsystems.A]\nindicators = { a1 = "+", a2 = "-" }\n',
        "only one subsystem ('A'); synergy needs at least two",
    ),
    case(
        "indicator-in-two-subsystems",
        model(subsystems=SUBSYSTEMS.replace('b2 = "-"', 'b2 = "-", a1 = "+"')),
        "column 'a1' is already an indicator of subsystem 'A'",
    ),
    case(
        "period-as-indicator",
        model(subsystems=SUBSYSTEMS.replace('b2 = "-"', 'b2 = "-", year = "+"')),
        "column 'year' is the entity or period column; it cannot also be an indicator",
    ),
    case(
        "entity-is-period",
        model(head='entity = "year"\nperiod = "year"\n'),
        "'entity': names the same column as 'period' ('year')",
    ),
    # -- the diagnostics' convention keys ---------------------------------------------------
    case(
        "lag-edges-reversed",
        model('[diagnostics]\ncoupling = "fan"\nlag_edges = [1.2, 0.8]\n'),
        "'diagnostics.lag_edges': must be [low, high], two finite numbers with 0 < low <= high",
    ),
    case(
        "lag-edges-zero",
        model('[diagnostics]\ncoupling = "fan"\nlag_edges = [0, 1.2]\n'),
        "'diagnostics.lag_edges': must be [low, high]",
    ),
    case(
        "coupling-key-without-coupling",
        model('[diagnostics]\ncoupling_input = "rescale"\n'),
        "'diagnostics.coupling_input': has no effect while diagnostics.coupling is off",
    ),
    case(
        "coupling-levels-names-count",
        model(
            '[diagnostics]\ncoupling = "classic"\n'
            '[diagnostics.coupling_levels]\nedges = [0.3, 0.6]\nnames = ["low", "high"]\n'
        ),
        "'diagnostics.coupling_levels.names': needs 3 names for 2 edges",
    ),
    case(
        "coupling-stages-edge-nan",
        model(
            '[diagnostics]\ncoupling = "wang"\n'
            '[diagnostics.coupling_stages]\nedges = [0.3, nan]\nnames = ["a", "b", "c"]\n'
        ),
        "'diagnostics.coupling_stages.edges': must be a strictly increasing list of finite",
    ),
    # -- spec and data together -------------------------------------------------------------
    case(
        "base-period-not-in-data",
        model("[method]\nbase = 1999\n"),
        "'method.base': 1999 is not a period of the data (periods: 2018, 2019, 2020)",
    ),
    case(
        "misspelt-option-and-missing-column",
        model('[method]\nwieghts = "entropy"\n'),
        "2 problems found",
        data=DATA.replace(",b2\n", ",b3\n"),
    ),
]


@pytest.mark.parametrize("bad", CASES, ids=[c.id for c in CASES])
def test_bad_spec(bad: Case, cli_case) -> None:
    cli_case(bad)


def test_the_catalogue_model_is_good(tmp_path: Path) -> None:
    """The model and data every case spoils pass ``check`` as written."""
    output = run_case(case("good", MODEL, "has no problems", code=0), tmp_path)
    assert "problem" not in output.replace("has no problems", "")


def test_check_lists_spec_and_data_problems_at_once(tmp_path: Path) -> None:
    """A misspelt option, a missing column and a bad cell: all three, exit 1 (issue item 10)."""
    data = DATA.replace(",b2\n", ",b3\n").replace("x,2019,2,4,", "x,2019,2,n/a!,")
    bad = case("three", model('[method]\nwieghts = "entropy"\n'), "3 problems found", data=data)
    output = run_case(bad, tmp_path)
    assert "1. model " in output and "'method.wieghts': unknown key" in output
    assert "2. column 'b2' (spec key 'subsystems.B.indicators.b2') is not in data file" in output
    assert "column 'a2': row 3 'n/a!'" in output
